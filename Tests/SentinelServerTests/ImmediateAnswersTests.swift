import NIOCore
import NIOEmbedded
import RESP
import SentinelCore
@testable import SentinelServer
import XCTest

/// A real core behind the server, answering lookups at once as the driver does unless a write is
/// (pretended to be) in flight.
final class CoreTarget: SentinelCommandTarget {
    var sentinel: Sentinel
    var writeInFlight = false
    var generalLookups = 0

    init() {
        var master = MasterConfig(name: "mymaster", address: Address(host: "10.0.0.1", port: 6379), quorum: 1)
        master.renamedCommands = [CommandRename(command: "PING", renamed: "PING2")]
        var config = SentinelConfig()
        config.masters = [master]
        config.myid = String(repeating: "a", count: 40)
        sentinel = Sentinel(config: config, seed: 1, now: .zero)
    }

    func executeSentinel(_ arguments: [String], reply: @escaping (Reply) -> Void) {
        if arguments.first?.lowercased().hasPrefix("get-") == true { generalLookups += 1 }
        reply(sentinel.execute(sentinelCommand: arguments, now: .zero).reply)
    }
    func lookUpMasterAddressNow(utf8 name: UnsafeRawBufferPointer) -> ImmediateLookup {
        guard !writeInFlight else { return .mustWait }
        return sentinel.lookUpMasterAddress(utf8: name).map { .address($0) } ?? .noSuchMaster
    }
    func inOrder<Value>(_ compute: @escaping () -> Value, deliver: @escaping (Value) -> Void) { deliver(compute()) }
    func receiveHello(_ payload: String) {}
    func infoSentinelLines() -> [String] { [] }
    func monitoredMasterNames() -> [String] { ["mymaster"] }
    func requestShutdown() {}
    var users: [[String]] = []
    func changeUsers(_ change: @escaping ([[String]]) -> [[String]]?, done: @escaping (Bool) -> Void) {
        if let changed = change(users) { users = changed }
        done(true)
    }
}

/// PING and lookups answered at once give the general path's replies, counters and client fields,
/// errors included: each script runs on a server with the shortcut and on one without.
final class ImmediateAnswersTests: XCTestCase {
    /// One server and its connections (`admin` first, then `client`).
    struct Server {
        let context: ClientServerContext
        let target: CoreTarget
        let admin: EmbeddedChannel
        let client: EmbeddedChannel

        init(immediate: Bool, requirepass: String?, users: [[String]]) throws {
            target = CoreTarget()
            let configuration = ClientServerConfiguration(
                bind: ["127.0.0.1"], port: 26379, requirepass: requirepass, users: users, configPath: "/tmp/x.conf")
            context = ClientServerContext(configuration: configuration, target: target)
            context.answersImmediately = immediate
            admin = try clientChannel(context, port: 1)
            client = try clientChannel(context, port: 2)
        }

        /// What one step shows: the reply, and what CLIENT LIST and INFO would report of it.
        func step(_ bytes: [UInt8], admin useAdmin: Bool) throws -> String {
            let channel = useAdmin ? admin : client
            try channel.writeInbound(ByteBuffer(bytes: bytes))
            channel.pipeline.fireChannelReadComplete()
            let reply = try written(channel)
            let record = context.registry.ordered.last!
            return "\(reply) | cmd=\(record.lastCommand) user=\(record.userName) commands=\(context.registry.totalCommands)"
        }
    }

    /// Runs `steps` (text, whether the admin connection sends it) on both servers; returns what the
    /// shortcut's server showed, after checking it is what the general path showed.
    @discardableResult
    func compare(_ steps: [([UInt8], Bool)], requirepass: String? = nil, users: [[String]] = [],
                 file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let fast = try Server(immediate: true, requirepass: requirepass, users: users)
        let general = try Server(immediate: false, requirepass: requirepass, users: users)
        var shown: [String] = []
        for (bytes, useAdmin) in steps {
            let expected = try general.step(bytes, admin: useAdmin)
            XCTAssertEqual(try fast.step(bytes, admin: useAdmin), expected, "\(bytes)", file: file, line: line)
            shown.append(expected)
        }
        return shown
    }

    func client(_ texts: String...) -> [([UInt8], Bool)] { texts.map { (Array($0.utf8), false) } }

    func testPingAndLookupsInEveryCaseAndBothProtocols() throws {
        let shown = try compare(client(
            "PING\r\n", "ping hello\r\n", "PiNg\r\n", "*1\r\n$4\r\nPING\r\n", "*2\r\n$4\r\nping\r\n$0\r\n\r\n",
            "SENTINEL get-master-addr-by-name mymaster\r\n", "sentinel GET-PRIMARY-ADDR-BY-NAME mymaster\r\n",
            "SENTINEL get-master-addr-by-name nope\r\n", "SENTINEL get-master-addr-by-name MYMASTER\r\n",
            "*3\r\n$8\r\nsentinel\r\n$23\r\nget-master-addr-by-name\r\n$8\r\nmymaster\r\n",
            "PING\r\nSENTINEL get-master-addr-by-name mymaster\r\nPING x\r\n",
            "HELLO 3\r\n", "SENTINEL get-master-addr-by-name nope\r\n", "SENTINEL get-master-addr-by-name mymaster\r\n", "PING\r\n",
            "HELLO 2\r\n", "SENTINEL get-master-addr-by-name nope\r\n"))
        XCTAssertEqual(shown[0], "+PONG\r\n | cmd=ping user=default commands=1")
        XCTAssertEqual(shown[5], "*2\r\n$8\r\n10.0.0.1\r\n$4\r\n6379\r\n | cmd=sentinel|get-master-addr-by-name user=default commands=6")
        XCTAssertEqual(shown[6], "*2\r\n$8\r\n10.0.0.1\r\n$4\r\n6379\r\n | cmd=sentinel|get-primary-addr-by-name user=default commands=7")
        XCTAssertEqual(shown[7], "*-1\r\n | cmd=sentinel|get-master-addr-by-name user=default commands=8")
        XCTAssertEqual(shown[12], "_\r\n | cmd=sentinel|get-master-addr-by-name user=default commands=15")
    }

    func testArityUnknownNamesAndBytesPastASCIIGoTheGeneralWay() throws {
        try compare(client(
            "SENTINEL get-master-addr-by-name\r\n", "SENTINEL get-master-addr-by-name a b\r\n", "PING a b\r\n",
            "SENTINEL get-master-addr-by-nam mymaster\r\n", "PINGS\r\n", "SENTINELS get-master-addr-by-name mymaster\r\n",
            "*2\r\n$4\r\nPING\r\n$2\r\n\u{E9}\r\n", "*1\r\n$5\r\nP\u{130}NG\r\n")
            + [(Array("*2\r\n$4\r\nPING\r\n$2\r\n".utf8) + [0xFF, 0xFE] + Array("\r\n".utf8), false),
               (Array("*3\r\n$8\r\nsentinel\r\n$23\r\nget-master-addr-by-name\r\n$3\r\n".utf8) + [0xFF] + Array("xy\r\n".utf8), false)])
    }

    /// `text`'s words as a client library sends them: one multibulk request, which the decoder
    /// offers to the shortcut where it lies in the receive buffer.
    func multibulk(_ text: String) -> String {
        let words = text.split(separator: " ")
        return "*\(words.count)\r\n" + words.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
    }

    func testMultibulkRequestsAnsweredWhereTheyLieAsTheGeneralPathAnswersThem() throws {
        let script = [
            "PING", "PING hello", "pInG", "SENTINEL get-master-addr-by-name mymaster", "sentinel GET-PRIMARY-ADDR-BY-NAME mymaster",
            "SENTINEL get-master-addr-by-name nope", "SENTINEL get-master-addr-by-name", "PING a b", "SENTINEL masters",
            "HELLO 3", "SENTINEL get-master-addr-by-name nope", "PING", "HELLO 2",
        ]
        try compare(client(script.map(multibulk).joined()))
        try compare(client(script.map(multibulk).joined() + "SENTINEL get-master-addr-by-name mymaster\r\n" + multibulk("PING x")))
        try compare(script.map { (Array(multibulk($0).utf8), false) })
        let shown = try compare(client(
            multibulk("PING") + multibulk("SUBSCRIBE +sdown"), multibulk("PING"), multibulk("SENTINEL get-master-addr-by-name mymaster")))
        XCTAssertTrue(shown[1].hasPrefix("*2\r\n$4\r\npong\r\n$0\r\n\r\n"), shown[1])
        let named = String(repeating: "m", count: 2_000)
        try compare(client(multibulk("SENTINEL get-master-addr-by-name \(named)"), multibulk("PING \(named)")))
    }

    func testMultibulkRequestsWaitForAuthenticationAndFollowTheUsersRules() throws {
        try compare(client(
            multibulk("PING"), multibulk("SENTINEL get-master-addr-by-name mymaster"), multibulk("AUTH s3cret"), multibulk("PING"),
            multibulk("SENTINEL get-master-addr-by-name mymaster") + multibulk("PING")), requirepass: "s3cret")
        try compare([
            (Array(multibulk("AUTH watcher pw").utf8), false), (Array(multibulk("PING").utf8), false),
            (Array(multibulk("SENTINEL get-master-addr-by-name mymaster").utf8), false),
            (Array(multibulk("ACL SETUSER watcher -ping +sentinel|get-master-addr-by-name").utf8), true),
            (Array((multibulk("PING") + multibulk("SENTINEL get-master-addr-by-name mymaster")).utf8), false),
        ], users: [["watcher", "on", ">pw", "+ping"]])
    }

    func testNoAuthUntilAuthenticated() throws {
        let shown = try compare(client(
            "PING\r\n", "SENTINEL get-master-addr-by-name mymaster\r\n", "AUTH s3cret\r\n", "PING\r\n",
            "SENTINEL get-master-addr-by-name mymaster\r\n"), requirepass: "s3cret")
        XCTAssertEqual(shown[0], "-NOAUTH Authentication required.\r\n | cmd=NULL user=default commands=1")
        XCTAssertEqual(shown[4], "*2\r\n$8\r\n10.0.0.1\r\n$4\r\n6379\r\n | cmd=sentinel|get-master-addr-by-name user=default commands=5")
    }

    func testNoPermFollowsTheUsersRulesAsTheyChange() throws {
        let users = [["watcher", "on", ">pw", "+ping"]]
        let shown = try compare([
            (Array("AUTH watcher pw\r\n".utf8), false), (Array("PING\r\n".utf8), false), (Array("SENTINEL get-master-addr-by-name mymaster\r\n".utf8), false),
            (Array("ACL SETUSER watcher +sentinel|get-master-addr-by-name\r\n".utf8), true),
            (Array("SENTINEL get-master-addr-by-name mymaster\r\n".utf8), false), (Array("SENTINEL get-primary-addr-by-name mymaster\r\n".utf8), false),
            (Array("ACL SETUSER watcher -ping +sentinel\r\n".utf8), true), (Array("PING\r\n".utf8), false), (Array("SENTINEL get-primary-addr-by-name mymaster\r\n".utf8), false),
            (Array("ACL SETUSER watcher -sentinel|get-primary-addr-by-name\r\n".utf8), true), (Array("SENTINEL get-primary-addr-by-name mymaster\r\n".utf8), false),
            (Array("AUTH default x\r\n".utf8), false), (Array("PING\r\n".utf8), false),
        ], users: users)
        XCTAssertEqual(shown[2], "-NOPERM this user has no permissions to run the 'sentinel|get-master-addr-by-name' command\r\n | cmd=ping user=watcher commands=3")
        XCTAssertEqual(shown[4], "*2\r\n$8\r\n10.0.0.1\r\n$4\r\n6379\r\n | cmd=sentinel|get-master-addr-by-name user=watcher commands=5")
        XCTAssertEqual(shown[7], "-NOPERM this user has no permissions to run the 'ping' command\r\n | cmd=sentinel|get-master-addr-by-name user=watcher commands=8")
        XCTAssertEqual(shown[12], "+PONG\r\n | cmd=ping user=default commands=13", "another user, other rules")
    }

    func testSubscribedClientsGetTheSubscribedContextsAnswers() throws {
        try compare(client(
            "SUBSCRIBE +switch-master\r\n", "PING\r\n", "PING x\r\n", "SENTINEL get-master-addr-by-name mymaster\r\n",
            "HELLO 3\r\n", "PING\r\n", "SENTINEL get-master-addr-by-name mymaster\r\n"))
    }

    func testALookupBehindAWriteInFlightGoesThroughTheSentinelsQueue() throws {
        let server = try Server(immediate: true, requirepass: nil, users: [])
        XCTAssertEqual(try exchange(server.client, "SENTINEL get-master-addr-by-name mymaster\r\n"), "*2\r\n$8\r\n10.0.0.1\r\n$4\r\n6379\r\n")
        XCTAssertEqual(server.target.generalLookups, 0)
        server.target.writeInFlight = true
        XCTAssertEqual(try exchange(server.client, "SENTINEL get-master-addr-by-name mymaster\r\n"), "*2\r\n$8\r\n10.0.0.1\r\n$4\r\n6379\r\n")
        XCTAssertEqual(server.target.generalLookups, 1)
        XCTAssertEqual(server.context.registry.totalCommands, 2)
    }

    /// The kept encoding of the last address reply is the general path's reply whenever the master's
    /// address changes between lookups: removed, monitored at another address, an IPv6 address, a
    /// second master looked up in turn with the first.
    func testLookupRepliesFollowTheMastersAddressAsItChanges() throws {
        let lookUp = multibulk("SENTINEL get-master-addr-by-name mymaster")
        let lookUpOther = multibulk("SENTINEL get-master-addr-by-name other")
        let shown = try compare([
            (Array(lookUp.utf8), false), (Array(lookUp.utf8), false),
            (Array("SENTINEL REMOVE mymaster\r\n".utf8), true), (Array(lookUp.utf8), false),
            (Array("SENTINEL MONITOR mymaster 10.0.0.2 6380 1\r\n".utf8), true), (Array(lookUp.utf8), false),
            (Array("SENTINEL MONITOR other fe80::1 16379 1\r\n".utf8), true),
            (Array((lookUpOther + lookUp + lookUpOther).utf8), false), (Array(lookUp.utf8), false),
            (Array("SENTINEL REMOVE mymaster\r\n".utf8), true), (Array("SENTINEL MONITOR mymaster 10.0.0.1 6379 1\r\n".utf8), true),
            (Array(lookUp.utf8), false),
        ])
        XCTAssertEqual(shown[1], "*2\r\n$8\r\n10.0.0.1\r\n$4\r\n6379\r\n | cmd=sentinel|get-master-addr-by-name user=default commands=2")
        XCTAssertTrue(shown[3].hasPrefix("*-1\r\n"), shown[3])
        XCTAssertTrue(shown[5].hasPrefix("*2\r\n$8\r\n10.0.0.2\r\n$4\r\n6380\r\n"), shown[5])
        XCTAssertTrue(shown[7].hasPrefix("*2\r\n$7\r\nfe80::1\r\n$5\r\n16379\r\n*2\r\n$8\r\n10.0.0.2\r\n$4\r\n6380\r\n*2\r\n$7\r\nfe80::1\r\n"), shown[7])
        XCTAssertTrue(shown[11].hasPrefix("*2\r\n$8\r\n10.0.0.1\r\n$4\r\n6379\r\n"), shown[11])
    }

    /// The kept reply is written byte for byte as the encoder writes it, for hosts short and long
    /// (past Swift's inline strings), ports of every width, and addresses that come back.
    func testAKeptAddressReplyIsTheEncodersBytes() {
        let addresses = [
            Address(host: "127.0.0.1", port: 6379), Address(host: "127.0.0.1", port: 6379), Address(host: "127.0.0.1", port: 6380),
            Address(host: "a-rather-long-host-name.example.internal", port: 0), Address(host: "::1", port: 65535),
            Address(host: "127.0.0.1", port: 6379), Address(host: "", port: 7),
        ]
        var kept = EncodedAddressReply()
        var written = ByteBuffer()
        var expected = ByteBuffer()
        for address in addresses {
            kept.write(address, into: &written)
            expected.writeRESPAddress(host: address.host, port: address.port)
            XCTAssertEqual(written, expected, "\(address)")
        }
    }

    /// The word match eight bytes at a time answers as a byte-by-byte ASCII case fold would, for
    /// every byte value at every place of each word the shortcut knows, and for every case mix.
    func testWordsMatchAsAByteByByteASCIIFoldWould() {
        func folded(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte + 0x20 : byte }
        func matchesByteByByte(_ word: [UInt8], _ lowercase: String) -> Bool {
            word.count == lowercase.utf8.count && zip(word, lowercase.utf8).allSatisfy { folded($0) == $1 }
        }
        func check(_ word: [UInt8], _ lowercase: StaticString) {
            let got = word.withUnsafeBytes { ASCIIWord.matches($0, lowercase) }
            XCTAssertEqual(got, matchesByteByByte(word, "\(lowercase)"), "\(word) against \(lowercase)")
        }
        let words: [StaticString] = ["ping", "sentinel", "get-master-addr-by-name", "get-primary-addr-by-name"]
        var generator = SplitMix64(seed: 7)
        for lowercase in words {
            let base = Array("\(lowercase)".utf8)
            for place in base.indices {
                for byte in UInt8.min...UInt8.max {
                    var word = base
                    word[place] = byte
                    check(word, lowercase)
                }
            }
            for _ in 0..<200 {
                check(base.map { generator.next() & 1 == 0 ? $0 : ($0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0) }, lowercase)
            }
            check(Array(base.dropLast()), lowercase)
            check(base + [0x61], lowercase)
            check([], lowercase)
        }
        for _ in 0..<100_000 {
            let bytes = generator.next()
            var byByte: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 8) { byByte |= UInt64(folded(UInt8(truncatingIfNeeded: bytes >> UInt64(shift)))) << UInt64(shift) }
            XCTAssertEqual(ASCIIWord.lowercased(bytes), byByte, String(bytes, radix: 16))
        }
    }
}
