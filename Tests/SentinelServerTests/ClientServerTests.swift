import NIOCore
import NIOEmbedded
import RESP
import SentinelCore
@testable import SentinelServer
import XCTest

/// A stand-in for the driver at the unit boundary: records what the server asks of it.
final class RecordingTarget: SentinelCommandTarget {
    var sentinelCalls: [[String]] = []
    var hellos: [String] = []
    var shutdowns = 0
    /// Replies held back until `release()`, as the driver holds them while a config write is in flight.
    var holdReplies = false
    var held: [() -> Void] = []
    func executeSentinel(_ arguments: [String], reply: @escaping (Reply) -> Void) {
        sentinelCalls.append(arguments)
        let answer: Reply = arguments.first?.lowercased() == "masters" ? .array([.fields([("name", .bulk("mymaster"))])]) : .nullArray
        if holdReplies { held.append { reply(answer) } } else { reply(answer) }
    }
    func release() {
        let waiting = held
        held = []
        waiting.forEach { $0() }
    }
    func inOrder<Value>(_ compute: @escaping () -> Value, deliver: @escaping (Value) -> Void) {
        let value = compute()
        if holdReplies { held.append { deliver(value) } } else { deliver(value) }
    }
    func receiveHello(_ payload: String) { hellos.append(payload) }
    func infoSentinelLines() -> [String] { ["sentinel_masters:1"] }
    func monitoredMasterNames() -> [String] { ["mymaster"] }
    func requestShutdown() { shutdowns += 1 }
    var savedUsers: [[[String]]] = []
    var savesSucceed = true
    /// The users as the config file holds them.
    var users: [[String]] = []
    func changeUsers(_ change: @escaping ([[String]]) -> [[String]]?, done: @escaping (Bool) -> Void) {
        guard let changed = change(users) else { return done(true) }
        if savesSucceed {
            users = changed
            savedUsers.append(changed)
        }
        done(savesSucceed)
    }
}

/// A client connection with the server's own pipeline (decoder, counters, handler) on an EmbeddedChannel.
func clientChannel(_ context: ClientServerContext, port: Int = 1) throws -> EmbeddedChannel {
    let channel = EmbeddedChannel()
    try ClientServer.addClientHandlers(to: channel.pipeline.syncOperations, context: context)
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: port)).wait()
    return channel
}

/// `text` arrives as one read from the socket; the replies written to it.
func exchange(_ channel: EmbeddedChannel, _ text: String) throws -> String {
    try channel.writeInbound(ByteBuffer(string: text))
    channel.pipeline.fireChannelReadComplete()
    return try written(channel)
}

/// What the server has written to the client since the last look.
func written(_ channel: EmbeddedChannel) throws -> String {
    var output = ""
    while let buffer = try channel.readOutbound(as: ByteBuffer.self) { output += String(buffer: buffer) }
    return output
}

final class ClientServerTests: XCTestCase {
    var target: RecordingTarget!

    func makeChannel(requirepass: String? = nil) throws -> (EmbeddedChannel, ClientServerContext) {
        target = RecordingTarget()
        let configuration = ClientServerConfiguration(bind: ["127.0.0.1"], port: 26379, requirepass: requirepass, configPath: "/tmp/x.conf")
        let context = ClientServerContext(configuration: configuration, target: target)
        return (try clientChannel(context), context)
    }

    func testPingRoleAndSentinelCommandsInBothProtocols() throws {
        let (channel, _) = try makeChannel()
        XCTAssertEqual(try exchange(channel, "PING\r\nROLE\r\n"), "+PONG\r\n*2\r\n$8\r\nsentinel\r\n*1\r\n$8\r\nmymaster\r\n")
        XCTAssertEqual(try exchange(channel, "SENTINEL masters\r\n"), "*1\r\n*2\r\n$4\r\nname\r\n$8\r\nmymaster\r\n")
        XCTAssertTrue(try exchange(channel, "HELLO 3\r\n").hasPrefix("%6\r\n$6\r\nserver\r\n$5\r\nredis\r\n"))
        XCTAssertEqual(try exchange(channel, "SENTINEL masters\r\n"), "*1\r\n%1\r\n$4\r\nname\r\n$8\r\nmymaster\r\n")
        XCTAssertEqual(try exchange(channel, "SENTINEL get-master-addr-by-name x\r\n"), "_\r\n")
        XCTAssertEqual(target.sentinelCalls.count, 3)
    }

    func testRepliesWaitingForTheDiskHoldTheClientsLaterCommandsInOrder() throws {
        let (channel, _) = try makeChannel()
        target.holdReplies = true
        XCTAssertEqual(try exchange(channel, "SENTINEL masters\r\nSENTINEL masters\r\nPING\r\n"), "")
        XCTAssertEqual(target.sentinelCalls.count, 1, "the second command waits behind the first one's reply")
        target.holdReplies = false
        target.release()
        XCTAssertEqual(try written(channel), String(repeating: "*1\r\n*2\r\n$4\r\nname\r\n$8\r\nmymaster\r\n", count: 2) + "+PONG\r\n")
        XCTAssertEqual(try exchange(channel, "PING\r\n"), "+PONG\r\n")
    }

    func testArityUnknownCommandAndSubcommandErrors() throws {
        let (channel, _) = try makeChannel()
        XCTAssertEqual(try exchange(channel, "foo bar baz\r\n"), "-ERR unknown command 'foo', with args beginning with: 'bar' 'baz' \r\n")
        XCTAssertEqual(try exchange(channel, "SENTINEL foo\r\n"), "-ERR unknown subcommand 'foo'. Try SENTINEL HELP.\r\n")
        XCTAssertEqual(try exchange(channel, "SENTINEL set mymaster quorum\r\n"), "-ERR wrong number of arguments for 'sentinel|set' command\r\n")
        XCTAssertEqual(try exchange(channel, "ping a b\r\n"), "-ERR wrong number of arguments for 'ping' command\r\n")
        XCTAssertEqual(try exchange(channel, "COMMAND COUNT\r\n"), ":15\r\n")
        XCTAssertTrue(target.sentinelCalls.isEmpty, "arity is checked before the sentinel is asked")
    }

    func testAuthenticationIsRequiredBeforeAnythingElse() throws {
        let (channel, _) = try makeChannel(requirepass: "s3cret")
        XCTAssertEqual(try exchange(channel, "SENTINEL masters\r\n"), "-NOAUTH Authentication required.\r\n")
        XCTAssertEqual(try exchange(channel, "AUTH wrong\r\n"), "-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        XCTAssertEqual(try exchange(channel, "AUTH s3cret\r\nPING\r\n"), "+OK\r\n+PONG\r\n")
        XCTAssertTrue(target.sentinelCalls.isEmpty)
    }

    func testProtocolErrorRepliesThenCloses() throws {
        let (channel, _) = try makeChannel()
        XCTAssertEqual(try exchange(channel, "*1\r\nx$4\r\n"), "-ERR Protocol error: expected '$', got 'x'\r\n")
        XCTAssertFalse(channel.isActive)
    }

    func testSubscribeReceivesEventsAndLimitsCommands() throws {
        let (channel, context) = try makeChannel()
        XCTAssertEqual(try exchange(channel, "SUBSCRIBE +sdown\r\n"), "*3\r\n$9\r\nsubscribe\r\n$6\r\n+sdown\r\n:1\r\n")
        context.publish(channel: "+sdown", message: "master mymaster 127.0.0.1 6379")
        XCTAssertEqual(try exchange(channel, ""), "*3\r\n$7\r\nmessage\r\n$6\r\n+sdown\r\n$30\r\nmaster mymaster 127.0.0.1 6379\r\n")
        XCTAssertEqual(try exchange(channel, "ROLE\r\n"),
                       "-ERR Can't execute 'role': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n")
        XCTAssertEqual(try exchange(channel, "PING\r\n"), "*2\r\n$4\r\npong\r\n$0\r\n\r\n")
    }

    func testFakePublishAcceptsOnlyHellos() throws {
        let (channel, _) = try makeChannel()
        XCTAssertEqual(try exchange(channel, "PUBLISH other x\r\n"), "-ERR Only HELLO messages are accepted by Sentinel instances.\r\n")
        XCTAssertEqual(try exchange(channel, "PUBLISH __sentinel__:hello a,b\r\n"), ":1\r\n")
        XCTAssertEqual(target.hellos, ["a,b"])
    }
}
