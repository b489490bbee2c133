import Foundation
import NIOCore
import NIOPosix
import RESP
import Synchronization
import VigilTestSupport
import XCTest

/// The RESP pieces against a real redis-server (7.0), started by the test on a free loopback port and
/// stopped by its PID: hiredis's formatter and reader in the links' NIO pipeline, and the client
/// request parser held to what Redis itself makes of the same bytes.
final class RealRedisServerTests: XCTestCase {
    static let password = "pwd"
    /// Long enough for redis-server on a busy machine; a passing case returns as soon as it matches.
    static let replyTimeoutSeconds = 10.0
    /// How long a connection must stay quiet to show that Redis sends nothing more.
    static let quietMicroseconds: UInt32 = 100_000

    var deployment: LocalDeployment!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Binaries.redisServer), "redis-server is not installed")
        deployment = try LocalDeployment(name: "resp")
    }

    override func tearDown() {
        deployment?.stopAll()
    }

    func startRedis(requirePassword: Bool = false) throws -> Int {
        let port = try LoopbackPorts.next()
        try deployment.startRedis(port: port)
        // Set once it runs: the launcher waits for an unauthenticated PING to answer.
        if requirePassword { XCTAssertEqual(redisCLI(port, "CONFIG", "SET", "requirepass", Self.password), ["OK"]) }
        return port
    }

    /// A connection with the pipeline of a link to Redis: the hiredis reply decoder, then (for
    /// commands given as words) the hiredis command encoder, then a recorder of what arrives.
    func connect(to port: Int, encodingCommands: Bool) throws -> (channel: Channel, received: ReceivedReplies) {
        let received = ReceivedReplies()
        let channel = try ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HiredisReplyDecoder()))
                    if encodingCommands { try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(HiredisCommandEncoder())) }
                    try channel.pipeline.syncOperations.addHandler(received)
                }
            }
            .connect(host: "127.0.0.1", port: port).wait()
        return (channel, received)
    }

    func testCommandsAndRepliesOfEveryKindThroughTheLinkPipeline() throws {
        let port = try startRedis()
        let (channel, received) = try connect(to: port, encodingCommands: true)
        defer { _ = try? channel.close().wait() }
        let large = String(repeating: "0123456789", count: 10_000)
        let commands = [["PING"], ["INFO", "server"], ["SET", "key", large], ["GET", "key"], ["GET", "missing"], ["ROLE"],
                        ["NOSUCHCOMMAND"], ["INCRBY", "counter", "-7"], ["SUBSCRIBE", "channel"]]
        for command in commands { channel.write(command, promise: nil) }
        channel.flush()
        XCTAssertTrue(waitUntil(timeout: Self.replyTimeoutSeconds) { received.now.replies.count == commands.count }, "\(received.now)")

        let replies = received.now.replies
        guard replies.count == commands.count else { return }
        XCTAssertEqual(replies[0], .simpleString("PONG"))
        XCTAssertTrue(replies[1].stringValue?.contains("redis_version:") ?? false, "\(replies[1])")
        XCTAssertEqual(replies[2], .simpleString("OK"))
        XCTAssertEqual(replies[3], .bulk(large), "a reply spread over many reads is read whole")
        XCTAssertEqual(replies[4], .null)
        guard case .array(let role) = replies[5], role.count == 3 else { return XCTFail("ROLE: \(replies[5])") }
        XCTAssertEqual(role[0], .bulk("master"))
        XCTAssertEqual(role[2], .array([]))
        XCTAssertEqual(replies[6], .error("ERR unknown command 'NOSUCHCOMMAND', with args beginning with: "))
        XCTAssertEqual(replies[7], .integer(-7))
        XCTAssertEqual(replies[8], .array([.bulk("subscribe"), .bulk("channel"), .integer(1)]))
    }

    /// Bytes a client may send, from every test of the request parser that Redis's replies can show:
    /// Redis's replies and whether it closes must be what the parser's frames make the server answer.
    func testTheRequestParserReadsBytesAsRedisDoes() throws {
        let port = try startRedis()
        let tooBig = String(repeating: "1", count: 70_000)
        let cases: [[UInt8]] = [
            // Inline commands, quotes and escapes.
            "PING\r\n  ECHO\tx  \r\nECHO y\n", "ECHO a\r\r\n", "PING\rPING\n", "ECHO \"a b\\n\\r\\t\\b\\a\\\\\\\"\\x41\\x4a\"\r\n",
            "ECHO 'it\\'s \"x\"'\r\n", "ECHO \"\\xZZ\\q\"\r\n", "ECHO \"a\\x4\"\r\n", "ECHO \\x41\r\n", "ECHO 'a\\nb'\r\n",
            "ECHO a\"b c\"\r\n", "ECHO \"\"\r\n", "ECHO ''\r\n", "ECHO \"a\"\tb\r\n", "ECHO a\rb\r\n",
            "ECHO \"a b\r\n", "ECHO 'a b\r\n", "ECHO \"a\"b\r\n", "ECHO 'a'b\r\n", "ECHO \"a\\\"\r\n", "ECHO \"x\\\r\n",
            "\r\n\n   \r\n*0\r\n*-1\r\n*-7\r\nPING\r\n",
            // Multibulk requests: counts and lengths as string2ll reads them, the bytes after a bulk.
            "*3\r\n$4\r\nECHO\r\n$0\r\n\r\n", "*x\r\n", "*\r\n", "*1 \r\n", "*+1\r\n", "*01\r\n", "*-0\r\n", "*2147483648\r\n",
            "*3000000000\r\n", "*99999999999999999999\r\n", "*1\r\nx$4\r\n", "*1\r\n $4\r\n", "*2\r\n$4\r\nECHO\r\n:1\r\n",
            "*1\r\n$-3\r\n", "*1\r\n$-1\r\n", "*1\r\n$\r\n", "*1\r\n$536870913\r\n", "*1\r\n$999999999999\r\n",
            "*1\r\n$04\r\nPING\r\n", "*1\r\n$+4\r\nPING\r\n", "*1\r\n$-0\r\nPING\r\n", "*1\r\n$0\r\n\r\n*-1\r\nPING\r\n",
            "*1\r\r$4\r\nPINGxx", "*2\r\n$4\r\nECHO\r\n$3\r\nabcXY",
            // Lines that have not ended wait, up to the inline limit.
            "*1\r\nxyz", "*12345", "*1\r", String(repeating: "a", count: 65_536), String(repeating: "a", count: 70_000),
            "*" + tooBig, "*1\r\n$" + tooBig,
        ].map { Array($0.utf8) } + [
            // A binary-safe argument.
            Array("*2\r\n$4\r\nECHO\r\n$5\r\n".utf8) + [0, 13, 10, 255, 32] + Array("\r\n".utf8),
        ] + [
            // A NUL byte before a line's end hides the end from Redis's strchr.
            ("ECHO a", " ignored\r\nPING\r\n"), ("", "PING\r\n"), ("PING\r\nECHO a", "\r\n"), ("*1", "\r\n$4\r\nPING\r\n"),
            ("*1\r\n", "$4\r\nPING\r\n"), ("*1\r\n$4", "\r\nPING\r\n"), ("*2\r\n$4\r\nECHO\r\n$3\r\na", "b\r\n"),
            ("ECHO a", "\r\n" + tooBig), ("*1", "\r\n" + tooBig), ("*1\r\n$4", "\r\n" + tooBig),
        ].map { Array($0.0.utf8) + [0] + Array($0.1.utf8) }
        for bytes in cases {
            try assertRedisAnswersAsParsed(bytes, port: port)
        }
    }

    /// Before AUTH, Redis 7.0 allows only small requests; after it, the usual limits.
    func testUnauthenticatedLimitsAreRedis() throws {
        let port = try startRedis(requirePassword: true)
        let auth = "*2\r\n$4\r\nAUTH\r\n$3\r\n\(Self.password)\r\n"
        let elevenArguments = "*11\r\n$4\r\nECHO\r\n" + String(repeating: "$1\r\na\r\n", count: 10)
        let cases = [
            "*11\r\n", "*1\r\n$16385\r\n", "*2\r\n$4\r\nECHO\r\n$1\r\na\r\n", "*10\r\n$4\r\nECHO\r\n" + String(repeating: "$1\r\na\r\n", count: 9),
            "*2\r\n$4\r\nECHO\r\n$16384\r\n" + String(repeating: "x", count: 16_384) + "\r\n", auth + elevenArguments,
            auth + "*2\r\n$4\r\nECHO\r\n$16385\r\n" + String(repeating: "x", count: 16_385) + "\r\n",
        ]
        for text in cases {
            try assertRedisAnswersAsParsed(Array(text.utf8), port: port, authenticated: false)
        }
    }

    func assertRedisAnswersAsParsed(_ bytes: [UInt8], port: Int, authenticated: Bool = true, line: UInt = #line) throws {
        let expected = RedisAnswers.predicted(for: bytes, authenticated: authenticated, password: Self.password)
        let (channel, received) = try connect(to: port, encodingCommands: false)
        defer { _ = try? channel.close().wait() }
        try channel.writeAndFlush(ByteBuffer(bytes: bytes)).wait()
        let label = String(decoding: bytes.prefix(60), as: UTF8.self).debugDescription
        waitUntil(timeout: Self.replyTimeoutSeconds) { received.now == expected }
        if !expected.closed { usleep(Self.quietMicroseconds) }
        XCTAssertEqual(received.now, expected, label, line: line)
    }
}

/// What a connection received from Redis: its replies, and whether Redis closed it.
struct RedisAnswers: Equatable, Sendable {
    var replies: [RESPValue] = []
    var closed = false

    /// What Redis answers to `bytes` if it reads them as RESPRequestParser does: each command's reply
    /// (for the few commands the cases use), then `-ERR Protocol error: ...` and the close on a
    /// protocol error, or only the close when the query buffer overflows.
    static func predicted(for bytes: [UInt8], authenticated: Bool, password: String) -> RedisAnswers {
        var parser = RESPRequestParser()
        var buffer = ByteBuffer(bytes: bytes)
        var answers = RedisAnswers()
        var authenticated = authenticated
        // Bounded: every command consumes bytes, and a failure ends the loop.
        for _ in 0...bytes.count {
            parser.requiresAuthentication = !authenticated
            guard let frame = parser.next(from: &buffer) else { break }
            switch frame {
            case .command(let words):
                let reply = Self.reply(to: words, authenticated: authenticated, password: password)
                if String(decoding: words[0], as: UTF8.self).lowercased() == "auth", reply == .simpleString("OK") { authenticated = true }
                answers.replies.append(reply)
            case .protocolError(let message):
                answers.replies.append(.error("ERR " + message))
                answers.closed = true
                return answers
            case .queryBufferLimitExceeded:
                answers.closed = true
                return answers
            }
        }
        return answers
    }

    /// Redis 7.0's checks in processCommand's order (unknown command, arity, authentication), then
    /// the command, for the few the cases send.
    static func reply(to words: [[UInt8]], authenticated: Bool, password: String) -> RESPValue {
        let name = String(decoding: words[0], as: UTF8.self)
        let arities = ["echo": 2...2, "ping": 1...2, "auth": 2...3]
        guard let arity = arities[name.lowercased()] else {
            let arguments = words.dropFirst().map { "'\(String(decoding: $0, as: UTF8.self))' " }.joined()
            return .error("ERR unknown command '\(name)', with args beginning with: \(arguments)")
        }
        guard arity.contains(words.count) else { return .error("ERR wrong number of arguments for '\(name.lowercased())' command") }
        switch name.lowercased() {
        case "auth":
            guard words.last == Array(password.utf8) else { return .error("WRONGPASS invalid username-password pair or user is disabled.") }
            return .simpleString("OK")
        case _ where !authenticated:
            return .error("NOAUTH Authentication required.")
        case "echo":
            return .bulkString(words[1])
        default:
            return words.count == 2 ? .bulkString(words[1]) : .simpleString("PONG")
        }
    }
}

/// The last handler of a test connection: records replies and the close, for the test's thread.
final class ReceivedReplies: ChannelInboundHandler, Sendable {
    typealias InboundIn = RESPValue
    private let answers = Mutex(RedisAnswers())

    var now: RedisAnswers { answers.withLock { $0 } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        answers.withLock { $0.replies.append(reply) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        answers.withLock { $0.closed = true }
        context.fireChannelInactive()
    }
}
