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
}
