import NIOCore
import RESP
import SentinelCore

/// The commands clients send on every connect, answered from the request's bytes straight into the
/// reply buffer: PING and SENTINEL GET-MASTER-ADDR-BY-NAME (and its PRIMARY twin). After a
/// failover every client of every application looks the master up at once.
///
/// Only the plain case is taken here, and it is the general path's (`execute`) answer, byte for
/// byte, with the same counters and client fields changed: the command spelt in ASCII, the client
/// authenticated, allowed by its user's rules, not subscribed, and the sentinel free to answer at
/// once. Anything else (every error, AUTH pending, a subscribed client, a write waiting for the
/// disk) is left untouched to `execute`, which answers it as it always has.
enum ImmediateCommand {
    case ping
    case lookUpMaster
    case lookUpPrimary

    static let pingSpec = CommandTable.lookup("ping")!
    static let sentinelSpec = CommandTable.lookup("sentinel")!
    static let lookUpMasterSpec = CommandTable.spec(named: "sentinel|get-master-addr-by-name")!
    static let lookUpPrimarySpec = CommandTable.spec(named: "sentinel|get-primary-addr-by-name")!

    /// Which one `words` is, or nil. The general path lower-cases names (Unicode); ASCII words that
    /// match case-insensitively are exactly those it finds too.
    init?(_ words: RESPBorrowedArguments) {
        switch words.count {
        case 1, 2:
            // PING's argument is echoed as the general path decodes it (invalid UTF-8 repaired): an
            // argument past ASCII is left to it.
            guard ASCIIWord.matches(words[0], "ping"), words.count == 1 || words[1].allSatisfy({ $0 < 0x80 }) else { return nil }
            self = .ping
        case 3:
            guard ASCIIWord.matches(words[0], "sentinel") else { return nil }
            if ASCIIWord.matches(words[1], "get-master-addr-by-name") {
                self = .lookUpMaster
            } else if ASCIIWord.matches(words[1], "get-primary-addr-by-name") {
                self = .lookUpPrimary
            } else {
                return nil
            }
        default:
            return nil
        }
    }

    /// The spec the ACL rules are checked against, and the name CLIENT LIST shows as `cmd`.
    var spec: CommandSpec {
        switch self {
        case .ping: return Self.pingSpec
        case .lookUpMaster: return Self.lookUpMasterSpec
        case .lookUpPrimary: return Self.lookUpPrimarySpec
        }
    }

    var topName: String { self == .ping ? "ping" : "sentinel" }

    /// The spec's name, kept apart: reading `spec.name` copied the whole spec on every request.
    var name: String {
        switch self {
        case .ping: return Self.pingName
        case .lookUpMaster: return Self.lookUpMasterName
        case .lookUpPrimary: return Self.lookUpPrimaryName
        }
    }

    static let pingName = pingSpec.name
    static let lookUpMasterName = lookUpMasterSpec.name
    static let lookUpPrimaryName = lookUpPrimarySpec.name

    var bit: UInt8 {
        switch self {
        case .ping: return 1
        case .lookUpMaster: return 2
        case .lookUpPrimary: return 4
        }
    }

    static let all: [ImmediateCommand] = [.ping, .lookUpMaster, .lookUpPrimary]
}

/// What one user's rules allow of the immediate commands, as read at one `AccessControl.generation`.
struct ImmediatePermissions {
    var generation: Int
    var allowed: UInt8
}

enum ASCIIWord {
    /// `word` is `lowercase` (ASCII lower case) in any mix of ASCII cases. Eight bytes at a time,
    /// the last eight overlapping the eight before: byte by byte, the two words of a lookup took
    /// about 300 instructions, more than finding the master.
    static func matches(_ word: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard word.count == count else { return false }
        let expected = UnsafeRawPointer(lowercase.utf8Start)
        guard count >= 8 else {
            // Bounded: one pass per byte of a word shorter than eight.
            for index in 0..<count where lowercased(word[index]) != expected.load(fromByteOffset: index, as: UInt8.self) {
                return false
            }
            return true
        }
        var offset = 0
        // Bounded: one pass per eight bytes of the word.
        while true {
            let at = min(offset, count - 8)
            let received = word.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            if lowercased(received) != expected.loadUnaligned(fromByteOffset: at, as: UInt64.self) { return false }
            if at == count - 8 { return true }
            offset += 8
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// Each of the eight bytes in ASCII lower case: "A" to "Z" gain 0x20, every other byte (those
    /// past ASCII too) is kept. Each byte's top bit says whether its low seven bits reach "A" (0x41)
    /// and whether they pass "Z" (0x5A) once 0x3F and 0x25 are added, which never carries into
    /// the next byte; a letter's bit, moved down two places, is its 0x20.
    static func lowercased(_ bytes: UInt64) -> UInt64 {
        let lowBits = bytes & 0x7F7F_7F7F_7F7F_7F7F
        let fromA = lowBits &+ 0x3F3F_3F3F_3F3F_3F3F
        let pastZ = lowBits &+ 0x2525_2525_2525_2525
        let letters = fromA & ~pastZ & ~bytes & 0x8080_8080_8080_8080
        return bytes | (letters >> 2)
    }
}

extension ClientServerContext {
    /// `answerImmediately` for a request already parsed into arguments (one that came in pieces, or
    /// inline).
    func answerImmediately(_ words: [[UInt8]], client: ClientRecord, into buffer: inout ByteBuffer) -> Bool {
        guard answersImmediately else { return false }
        return RESPBorrowedArguments.withArguments(words) { arguments in
            guard let arguments else { return false }
            return answerImmediately(arguments, client: client, into: &buffer)
        }
    }

    /// Answers `words` into `buffer` when it is an immediate command in its plain case (see
    /// ImmediateCommand), exactly as `execute` would; false, with nothing counted, changed or
    /// written, for anything else, which then goes to `execute`.
    func answerImmediately(_ words: RESPBorrowedArguments, client: ClientRecord, into buffer: inout ByteBuffer) -> Bool {
        guard answersImmediately, let command = ImmediateCommand(words), client.authenticated, !client.isSubscribed,
            mayRun(command, client: client)
        else { return false }
        switch command {
        case .ping:
            registry.totalCommands += 1
            client.lastCommand = command.name
            if words.count == 2 {
                buffer.writeRESPBulk(words[1])
            } else {
                buffer.writeStaticString("+PONG\r\n")
            }
            return true
        case .lookUpMaster, .lookUpPrimary:
            let answer = target.lookUpMasterAddressNow(utf8: words[2])
            switch answer {
            case .mustWait:
                return false
            case .noSuchMaster:
                buffer.writeRESPNullArray(protocolVersion: client.protocolVersion)
            case .address(let address):
                addressReplies.write(address, into: &buffer)
            }
            registry.totalCommands += 1
            client.lastCommand = command.name
            return true
        }
    }

    /// `execute`'s ACL check, read once per user and change of the rules rather than per request.
    private func mayRun(_ command: ImmediateCommand, client: ClientRecord) -> Bool {
        if let known = client.immediatePermissions, known.generation == access.generation {
            return known.allowed & command.bit != 0
        }
        var allowed: UInt8 = 0
        if let user = access.user(named: client.userName) {
            for each in ImmediateCommand.all where user.mayRun(each.spec, topName: each.topName) { allowed |= each.bit }
        }
        client.immediatePermissions = ImmediatePermissions(generation: access.generation, allowed: allowed)
        return allowed & command.bit != 0
    }
}

/// The last address reply written, kept encoded: lookups of a master all get the same bytes until
/// its address changes, and encoding them (two bulk strings and their lengths) took more
/// instructions than the rest of answering (callgrind). RESP2 and RESP3 write it alike.
struct EncodedAddressReply {
    private var address: Address?
    private var bytes: [UInt8] = []

    mutating func write(_ address: Address, into buffer: inout ByteBuffer) {
        if address != self.address {
            var encoded = ByteBuffer()
            encoded.writeRESPAddress(host: address.host, port: address.port)
            bytes = Array(encoded.readableBytesView)
            self.address = address
        }
        // Through a raw pointer: the generic writeBytes of an array took more than the encoding saved.
        bytes.withUnsafeBytes { _ = buffer.writeBytes($0) }
    }
}
