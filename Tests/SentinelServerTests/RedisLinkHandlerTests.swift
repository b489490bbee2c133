import NIOCore
import NIOEmbedded
import SentinelCore
@testable import SentinelServer
import XCTest

/// The inbound end of a link, on an EmbeddedChannel: replies read with hiredis however the bytes
/// are split, matched to their requests in order, messages told apart on pub/sub links, and a peer
/// that breaks the protocol reported and closed.
final class RedisLinkHandlerTests: XCTestCase {
    var reported: [Input] = []
    let link = LinkID(7)

    func channel(_ kind: LinkKind, expecting purposes: [RequestPurpose]) throws -> (EmbeddedChannel, RedisLinkHandler) {
        let handler = RedisLinkHandler(linkID: link, kind: kind) { [unowned self] in reported.append($0) }
        for purpose in purposes { handler.expect(purpose) }
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        return (channel, handler)
    }

    func testRepliesSplitAcrossReadsReachTheirRequestsInOrder() throws {
        let (channel, _) = try channel(.command, expecting: [.ping, .info, .publishHello(master: "m"), .ping, .ignored])
        for piece in ["+PO", "NG\r\n$11\r\nrole:ma", "ster\r\n:1\r\n-ERR busy\r\n*3\r\n$1\r\na\r\n$-1\r\n*1\r\n:2\r\n"] {
            try channel.writeInbound(ByteBuffer(string: piece))
        }
        XCTAssertEqual(reported, [
            .replyReceived(link, .ping, .status("PONG")),
            .replyReceived(link, .info, .string("role:master")),
            .replyReceived(link, .publishHello(master: "m"), .integer(1)),
            .replyReceived(link, .ping, .error("ERR busy")),
            .replyReceived(link, .ignored, .array([.string("a"), .null, .array([.integer(2)])])),
        ])
        XCTAssertTrue(channel.isActive)
    }

    func testMessagesOnAPubsubLinkAreToldApartFromReplies() throws {
        let (channel, _) = try channel(.pubsub, expecting: [.subscribe])
        try channel.writeInbound(ByteBuffer(string:
            "*3\r\n$9\r\nsubscribe\r\n$18\r\n__sentinel__:hello\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$18\r\n__sentinel__:hello\r\n$5\r\nhe"))
        try channel.writeInbound(ByteBuffer(string: "llo\r\n*3\r\n+message\r\n+other\r\n$3\r\n\u{E9}x\r\n"))
        XCTAssertEqual(reported, [
            .replyReceived(link, .subscribe, .array([.string("subscribe"), .string("__sentinel__:hello"), .integer(1)])),
            .messageReceived(link, channel: "__sentinel__:hello", payload: "hello"),
            .messageReceived(link, channel: "other", payload: "\u{E9}x"),
        ])
    }

    func testAMessageOnACommandLinkIsAReply() throws {
        let (channel, _) = try channel(.command, expecting: [.ping])
        try channel.writeInbound(ByteBuffer(string: "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n"))
        XCTAssertEqual(reported, [.replyReceived(link, .ping, .array([.string("message"), .string("c"), .string("p")]))])
    }

    func testAReplyNobodyAskedForClosesTheLink() throws {
        let (channel, _) = try channel(.command, expecting: [.ping])
        try channel.writeInbound(ByteBuffer(string: "+PONG\r\n+PONG\r\n+PONG\r\n"))
        XCTAssertEqual(reported.first, .replyReceived(link, .ping, .status("PONG")))
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(reported.last, .linkClosed(link, reason: "connection closed"))
        XCTAssertEqual(reported.count, 2, "nothing after the unexpected reply is read")
    }

    func testAProtocolErrorIsReportedOnceAndClosesTheLink() throws {
        let (channel, _) = try channel(.command, expecting: [.ping, .ping])
        try channel.writeInbound(ByteBuffer(string: "+PONG\r\n?bad\r\n"))
        XCTAssertEqual(reported.count, 2)
        XCTAssertEqual(reported.first, .replyReceived(link, .ping, .status("PONG")))
        guard case .linkClosed(_, let reason) = reported.last else { return XCTFail("\(reported)") }
        XCTAssertTrue(reason.hasPrefix("Protocol error from peer"), reason)
        XCTAssertFalse(channel.isActive)
        try channel.writeInbound(ByteBuffer(string: "+PONG\r\n"))
        XCTAssertEqual(reported.count, 2, "a closed link reports nothing more")
    }
}
