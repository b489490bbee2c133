// libFuzzer target for the client request parser (RESPRequestParser), through its public API only.
//
// Input layout: byte 0 picks the options (bit 0: requires authentication; bits 1-2: a limits profile),
// byte 1 the number of split points (0-7), the next bytes the split points (each a fraction of the data
// in 256ths); the rest is what a client sent.
//
// Invariants checked:
// - no trap;
// - every command has at least one argument; a multibulk command keeps within maxMultibulkLength and
//   maxBulkBytes (and the unauthenticated limits when authentication is required);
// - a protocol error or query-buffer failure is sticky: asking again returns it again;
// - the same bytes parsed in one piece and in the chosen splits give the same frames. The one allowed
//   difference is Redis's own: a limit measured on unparsed bytes (query buffer, inline line, header
//   line) can be crossed by a partial frame in a split run; then the split run's frames before that
//   failure must be a prefix of the whole run's;
// - a command re-encoded as multibulk parses back to the same command.
import NIOCore
import RESP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestParser(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard input.count >= 2 else { return 0 }
    let options = input[0]
    let splitCount = Int(input[1] % 8)
    guard input.count >= 2 + splitCount else { return 0 }
    let data = Array(input[(2 + splitCount)...])
    let cuts = Set(input[2..<(2 + splitCount)].map { Int($0) * data.count / 256 }).sorted()

    var parser = RESPRequestParser(limits: limitsProfile(Int(options >> 1) & 3))
    parser.requiresAuthentication = options & 1 == 1

    let whole = run(parser, data, cuts: [])
    let split = run(parser, data, cuts: cuts)
    for (frame, range) in zip(whole.frames, whole.ranges) {
        checkLimits(frame, consumed: data[range], parser: parser)
        checkRoundTrip(frame)
    }
    if split.frames != whole.frames {
        guard let last = split.frames.last, isMeasuredOnUnparsedBytes(last),
            whole.frames.starts(with: split.frames.dropLast())
        else {
            fail("split run differs: whole \(whole.frames), split at \(cuts) \(split.frames)")
        }
    }
    return 0
}

struct Run {
    var frames: [RESPRequestFrame] = []
    var ranges: [Range<Int>] = []
}

/// Feeds `data` to a copy of `parser` in chunks ending at `cuts`, reading every frame after each chunk.
func run(_ template: RESPRequestParser, _ data: [UInt8], cuts: [Int]) -> Run {
    var parser = template
    var result = Run()
    var buffer = ByteBuffer()
    var written = 0
    for end in cuts + [data.count] where end >= written {
        buffer.writeBytes(data[written..<end])
        written = end
        while true {
            let before = written - buffer.readableBytes
            guard let frame = parser.next(from: &buffer) else { break }
            result.frames.append(frame)
            result.ranges.append(before..<(written - buffer.readableBytes))
            if case .command = frame { continue }
            guard parser.next(from: &buffer) == frame else { fail("failure \(frame) is not sticky") }
            return result
        }
    }
    return result
}

func limitsProfile(_ profile: Int) -> RESPRequestLimits {
    switch profile {
    case 1:
        return RESPRequestLimits(
            maxQueryBufferBytes: 64, maxInlineBytes: 16, maxMultibulkLength: 4, maxBulkBytes: 8,
            unauthenticatedMaxMultibulkLength: 2, unauthenticatedMaxBulkBytes: 4)
    case 2:
        return RESPRequestLimits(
            maxQueryBufferBytes: 1024, maxInlineBytes: 64, maxMultibulkLength: 16, maxBulkBytes: 32,
            unauthenticatedMaxMultibulkLength: 3, unauthenticatedMaxBulkBytes: 16)
    case 3:
        return RESPRequestLimits(
            maxQueryBufferBytes: 24, maxInlineBytes: 200, maxMultibulkLength: 100, maxBulkBytes: 100,
            unauthenticatedMaxMultibulkLength: 100, unauthenticatedMaxBulkBytes: 100)
    default:
        return .redisDefaults
    }
}

func isMeasuredOnUnparsedBytes(_ frame: RESPRequestFrame) -> Bool {
    switch frame {
    case .queryBufferLimitExceeded: return true
    case .protocolError(let message): return message.contains("too big")
    case .command: return false
    }
}

func checkLimits(_ frame: RESPRequestFrame, consumed: ArraySlice<UInt8>, parser: RESPRequestParser) {
    guard case .command(let arguments) = frame else { return }
    guard !arguments.isEmpty else { fail("a command with no arguments") }
    guard isMultibulk(consumed) else { return }
    let limits = parser.limits
    let maxCount = parser.requiresAuthentication
        ? min(limits.maxMultibulkLength, limits.unauthenticatedMaxMultibulkLength) : limits.maxMultibulkLength
    let maxBulk = parser.requiresAuthentication
        ? min(limits.maxBulkBytes, limits.unauthenticatedMaxBulkBytes) : limits.maxBulkBytes
    guard arguments.count <= maxCount else { fail("\(arguments.count) arguments, limit \(maxCount)") }
    for argument in arguments where argument.count > maxBulk {
        fail("an argument of \(argument.count) bytes, limit \(maxBulk)")
    }
}

/// Whether the command that ends `consumed` was sent as multibulk: skips what the parser skips before
/// a command (blank inline lines, `*N` with N <= 0) and looks at what comes next.
func isMultibulk(_ consumed: ArraySlice<UInt8>) -> Bool {
    var index = consumed.startIndex
    while index < consumed.endIndex {
        if consumed[index] == UInt8(ascii: "*") {
            guard let cr = consumed[index...].firstIndex(of: UInt8(ascii: "\r")),
                let count = Int(String(decoding: consumed[(index + 1)..<cr], as: UTF8.self)), count <= 0
            else { return true }
            index = cr + 2
        } else {
            guard let newline = consumed[index...].firstIndex(of: UInt8(ascii: "\n")) else { return false }
            guard consumed[index..<newline].allSatisfy({ $0 == 32 || (9...13).contains($0) }) else { return false }
            index = newline + 1
        }
    }
    return false
}

func checkRoundTrip(_ frame: RESPRequestFrame) {
    guard case .command(let arguments) = frame else { return }
    var buffer = ByteBuffer()
    buffer.writeString("*\(arguments.count)\r\n")
    for argument in arguments {
        buffer.writeString("$\(argument.count)\r\n")
        buffer.writeBytes(argument)
        buffer.writeString("\r\n")
    }
    var parser = RESPRequestParser()
    let again = parser.next(from: &buffer)
    guard again == frame, buffer.readableBytes == 0 else { fail("\(frame) re-encoded parses as \(String(describing: again))") }
}

func fail(_ message: String) -> Never {
    fatalError("FuzzRequestParser: " + message)
}
