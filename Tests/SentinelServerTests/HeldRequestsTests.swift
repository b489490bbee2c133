import NIOCore
import NIOEmbedded
import RESP
import SentinelCore
@testable import SentinelServer
import XCTest

/// A client that pipelines requests behind an answer waiting for the disk (a vote or an epoch is
/// fsynced before anyone hears of it): the requests are held, run in order once the disk answers,
/// and bounded by the query buffer limit as Redis bounds a blocked client's unread requests.
final class HeldRequestsTests: XCTestCase {
    var target: RecordingTarget!
    var logged: [(level: LogLevel, message: String)] = []

    func makeChannel(maxQueryBufferBytes: Int = RESPRequestLimits.redisDefaults.maxQueryBufferBytes) throws -> EmbeddedChannel {
        target = RecordingTarget()
        target.holdReplies = true
        var limits = RESPRequestLimits.redisDefaults
        limits.maxQueryBufferBytes = maxQueryBufferBytes
        let configuration = ClientServerConfiguration(bind: ["127.0.0.1"], port: 26379, requirepass: nil, configPath: "/tmp/x.conf", limits: limits)
        let context = ClientServerContext(configuration: configuration, target: target)
        context.log = { [unowned self] level, message in logged.append((level, message)) }
        return try clientChannel(context)
    }

    static let mastersReply = "*1\r\n*2\r\n$4\r\nname\r\n$8\r\nmymaster\r\n"

    func testRequestsPipelinedAcrossReadsBehindWaitingAnswersGetEveryReplyInOrder() throws {
        let channel = try makeChannel()
        XCTAssertEqual(try exchange(channel, "SENTINEL masters\r\nPING first\r\n"), "")
        // Another answer that waits, and a request split across two reads.
        XCTAssertEqual(try exchange(channel, "SENTINEL get-master-addr-by-name x\r\nPI"), "")
        XCTAssertEqual(try exchange(channel, "NG last\r\n"), "")
        XCTAssertEqual(target.sentinelCalls, [["masters"]], "nothing runs behind the answer that waits")

        target.release()
        XCTAssertEqual(try written(channel), Self.mastersReply + "$5\r\nfirst\r\n", "the held requests run up to the next answer that waits")
        XCTAssertEqual(target.sentinelCalls, [["masters"], ["get-master-addr-by-name", "x"]])

        target.release()
        XCTAssertEqual(try written(channel), "*-1\r\n$4\r\nlast\r\n")
        XCTAssertTrue(channel.isActive)
        target.holdReplies = false
        XCTAssertEqual(try exchange(channel, "PING\r\n"), "+PONG\r\n")
        XCTAssertTrue(logged.isEmpty, "\(logged)")
    }

    func testMultibulkPingsBehindAWaitingAnswerWaitTooThoughOfferedWhereTheyLie() throws {
        let channel = try makeChannel()
        XCTAssertEqual(try exchange(channel, "*2\r\n$8\r\nSENTINEL\r\n$7\r\nmasters\r\n*2\r\n$4\r\nPING\r\n$5\r\nfirst\r\n*1\r\n$4\r\nPING\r\n"), "")
        target.release()
        XCTAssertEqual(try written(channel), Self.mastersReply + "$5\r\nfirst\r\n+PONG\r\n", "answered after the answer that waited, in order")
        target.holdReplies = false
        XCTAssertEqual(try exchange(channel, "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nPING\r\n$1\r\nx\r\n"), "+PONG\r\n$1\r\nx\r\n")
    }

    func testHeldRequestsPastTheQueryBufferLimitCloseTheClientAsRedisDoes() throws {
        let channel = try makeChannel(maxQueryBufferBytes: 1_000)
        let filler = String(repeating: "x", count: 400)
        // Held: two requests of 4 + 400 argument bytes, within the limit.
        XCTAssertEqual(try exchange(channel, "SENTINEL masters\r\nPING \(filler)\r\nPING \(filler)\r\n"), "")
        XCTAssertTrue(channel.isActive)
        XCTAssertTrue(logged.isEmpty, "\(logged)")

        // A third passes the limit: the client is closed without a reply, as Redis closes a client
        // whose query buffer passes client-query-buffer-limit, with Redis's warning.
        XCTAssertEqual(try exchange(channel, "PING \(filler)\r\n"), "")
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(logged.count, 1)
        XCTAssertEqual(logged.first?.level, .warning)
        let message = logged.first?.message ?? ""
        XCTAssertTrue(message.hasPrefix("Closing client that reached max query buffer length: id="), message)
        XCTAssertTrue(message.contains(" qbuf=1212 "), message)
        let shown = "*2\\r\\n$4\\r\\nPING\\r\\n$400\\r\\n" + String(repeating: "x", count: 44)
        XCTAssertTrue(message.hasSuffix(" (qbuf initial bytes: \"\(shown)\")"), message)

        // The disk answers after the client has gone: nothing more is run or written.
        target.release()
        XCTAssertEqual(try written(channel), "")
        XCTAssertEqual(target.sentinelCalls, [["masters"]])
    }

    /// The limit counts what the connection holds across reads: an argument arriving in pieces, each
    /// well within the limit, closes the client once the pieces together pass it, and only then.
    func testAnUnfinishedRequestArrivingInPiecesClosesTheClientOnceThePiecesPassTheLimit() throws {
        let channel = try makeChannel(maxQueryBufferBytes: 1_000)
        XCTAssertEqual(try exchange(channel, "*1\r\n$5000\r\n"), "")
        for piece in 1...2 {
            XCTAssertEqual(try exchange(channel, String(repeating: "y", count: 300)), "")
            XCTAssertTrue(channel.isActive, "after \(piece) pieces of 300 bytes")
        }
        XCTAssertTrue(logged.isEmpty, "\(logged)")
        XCTAssertEqual(try exchange(channel, String(repeating: "y", count: 300)), "")
        XCTAssertEqual(try exchange(channel, String(repeating: "y", count: 300)), "")
        XCTAssertFalse(channel.isActive, "1,211 bytes held")
        XCTAssertEqual(logged.map(\.level), [.warning])
        let message = logged.first?.message ?? ""
        XCTAssertTrue(message.hasPrefix("Closing client that reached max query buffer length: id="), message)
    }

    func testAnUnfinishedRequestPastTheLimitIsLoggedWithItsUnparsedBytes() throws {
        let channel = try makeChannel(maxQueryBufferBytes: 1_000)
        XCTAssertEqual(try exchange(channel, "*1\r\n$5000\r\n" + String(repeating: "y", count: 2_000)), "")
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(logged.map(\.level), [.warning])
        let message = logged.first?.message ?? ""
        XCTAssertTrue(message.hasPrefix("Closing client that reached max query buffer length: id="), message)
        XCTAssertTrue(message.hasSuffix(" (qbuf initial bytes: \"\(String(repeating: "y", count: 64))\")"), message)
    }
}
