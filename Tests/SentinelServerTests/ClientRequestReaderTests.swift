import NIOCore
import NIOEmbedded
import RESP
@testable import SentinelServer
import XCTest

/// The client pipeline's reader (bytes counted, requests decoded, the rest kept for the next read)
/// and the reply buffer kept between flushes, through the server's own pipeline: however the
/// client's bytes are cut into reads, the replies are those of one read, and every byte is counted
/// once.
final class ClientRequestReaderTests: XCTestCase {
    func makeChannel() throws -> (EmbeddedChannel, ClientServerContext) {
        let configuration = ClientServerConfiguration(bind: ["127.0.0.1"], port: 26379, requirepass: nil, configPath: "/tmp/x.conf")
        let context = ClientServerContext(configuration: configuration, target: RecordingTarget())
        return (try clientChannel(context), context)
    }

    /// Multibulk and inline requests, the immediate ones and one that goes the general way, with a
    /// long argument among them.
    static let requests = Array((
        "*1\r\n$4\r\nPING\r\n" + "PING inline\r\n"
            + "*3\r\n$8\r\nSENTINEL\r\n$23\r\nget-master-addr-by-name\r\n$8\r\nmymaster\r\n"
            + "SENTINEL masters\r\n" + "*2\r\n$4\r\nPING\r\n$3000\r\n" + String(repeating: "x", count: 3_000) + "\r\n"
            + "*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n").utf8)

    func replies(toReadsOf size: Int) throws -> (String, Int) {
        let (channel, context) = try makeChannel()
        var output = ""
        var start = 0
        while start < Self.requests.count {  // Bounded: each pass sends at least one byte.
            let end = min(start + size, Self.requests.count)
            output += try exchange(channel, String(decoding: Self.requests[start..<end], as: UTF8.self))
            start = end
        }
        XCTAssertTrue(channel.isActive)
        return (output, context.registry.inputBytes)
    }

    func testRepliesAreTheSameHoweverTheRequestsAreCutIntoReads() throws {
        let (whole, wholeCounted) = try replies(toReadsOf: Self.requests.count)
        XCTAssertTrue(whole.hasPrefix("+PONG\r\n$6\r\ninline\r\n*-1\r\n*1\r\n*2\r\n$4\r\nname\r\n$8\r\nmymaster\r\n$3000\r\nxxx"), whole)
        XCTAssertTrue(whole.hasSuffix("\r\n$2\r\nhi\r\n"), whole)
        XCTAssertEqual(wholeCounted, Self.requests.count)
        for size in [1, 2, 3, 7, 64, 1_000] {
            let (cut, counted) = try replies(toReadsOf: size)
            XCTAssertEqual(cut, whole, "reads of \(size) bytes")
            XCTAssertEqual(counted, Self.requests.count, "reads of \(size) bytes: every byte counted once")
        }
    }

    func testEveryReadCountsAsInteractionEvenHalfARequest() throws {
        let (channel, context) = try makeChannel()
        let client = context.registry.ordered.last!
        XCTAssertNil(client.received.lastReceivedAt)
        XCTAssertEqual(try exchange(channel, "*1\r\n$4\r\nPI"), "")
        let first = try XCTUnwrap(client.received.lastReceivedAt)
        XCTAssertEqual(client.requests.bufferedBytes + client.requests.unfinishedArgumentBytes > 0, true, "the half request is held")
        XCTAssertEqual(try exchange(channel, "NG\r\n"), "+PONG\r\n")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(client.received.lastReceivedAt), first)
        XCTAssertEqual(client.requests.bufferedBytes, 0)
    }

    func testAProtocolErrorInALaterReadIsAnsweredAndNothingAfterItRuns() throws {
        let (channel, _) = try makeChannel()
        XCTAssertEqual(try exchange(channel, "PING\r\n*1\r\n$4"), "+PONG\r\n")
        XCTAssertEqual(try exchange(channel, "x\r\nPING\r\n"), "-ERR Protocol error: invalid bulk length\r\n")
        XCTAssertFalse(channel.isActive)
    }

    /// The reply buffer is kept from one flush to the next; one NIO still holds (not yet taken by the
    /// socket, as an EmbeddedChannel keeps every write) must not be written over by the next replies.
    func testRepliesStillWaitingToBeSentAreNotOverwrittenByTheNextOnes() throws {
        let (channel, _) = try makeChannel()
        for text in ["PING one\r\n", "PING two\r\n", "PING three\r\n"] {
            try channel.writeInbound(ByteBuffer(string: text))
            channel.pipeline.fireChannelReadComplete()
        }
        var sent: [String] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { sent.append(String(buffer: buffer)) }
        XCTAssertEqual(sent, ["$3\r\none\r\n", "$3\r\ntwo\r\n", "$5\r\nthree\r\n"])
        XCTAssertEqual(try exchange(channel, "PING\r\n"), "+PONG\r\n")
    }
}
