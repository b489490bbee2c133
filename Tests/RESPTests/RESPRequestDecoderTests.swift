import NIOCore
import NIOEmbedded
import NIOTestUtils
import RESP
import XCTest

/// The request parser as the client pipeline's decoder (what SentinelServer's ClientServer installs).
final class RESPRequestDecoderTests: XCTestCase {
    func testDecoderVerifier() throws {
        let inputs: [(ByteBuffer, [RESPRequestFrame])] = [
            (ByteBuffer(string: "*1\r\n$4\r\nPING\r\n"), [.command("PING")]),
            (ByteBuffer(string: "PING\r\nINFO sentinel\r\n"), [.command("PING"), .command("INFO", "sentinel")]),
            (ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n*1\r\n$4\r\nROLE\r\n"), [.command("GET", "key"), .command("ROLE")]),
            (ByteBuffer(string: "\r\n*0\r\nECHO \"a\\x20b\" 'c'\n"), [.command("ECHO", "a b", "c")]),
        ]
        XCTAssertNoThrow(try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: inputs) { RESPRequestDecoder() })
    }

    func testEmbeddedChannelWithFragmentedInput() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPRequestDecoder()))
        try channel.writeInbound(ByteBuffer(string: "*2\r\n$8\r\nSENTI"))
        XCTAssertNil(try channel.readInbound(as: RESPRequestFrame.self))
        try channel.writeInbound(ByteBuffer(string: "NEL\r\n$4\r\nMYID\r\nPI"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .command("SENTINEL", "MYID"))
        XCTAssertNil(try channel.readInbound(as: RESPRequestFrame.self))
        try channel.writeInbound(ByteBuffer(string: "NG\r\n*1\r\n$4\r\nROLE\r\n"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .command("PING"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .command("ROLE"))
        XCTAssertNil(try channel.readInbound(as: RESPRequestFrame.self))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testSmallRequestsAreOfferedWhereTheyLieAndTheRestPassedOn() throws {
        let input = RequestInput()
        let answerer = PingAnswerer()
        input.answerer = answerer
        defer { withExtendedLifetime(answerer) {} }
        var offered: [[String]] { answerer.offered }
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPRequestDecoder(input: input)))
        try channel.writeInbound(ByteBuffer(string: "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nROLE\r\nPING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI"))
        XCTAssertEqual(offered, [["PING"], ["ROLE"], ["PING"]], "multibulk requests whole in the buffer are offered; inline ones are not")
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .command("ROLE"), "one not taken is parsed and passed on, in order")
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .command("PING"))
        XCTAssertNil(try channel.readInbound(as: RESPRequestFrame.self))
        XCTAssertEqual(input.bufferedBytes, 2, "the unfinished request's header lines went to the parser, its bulk waits")
        try channel.writeInbound(ByteBuffer(string: "NG\r\n"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .command("PING"), "a request that came in pieces is parsed")
        XCTAssertEqual(offered.count, 3)
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testEmbeddedChannelStopsAfterAProtocolError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPRequestDecoder()))
        try channel.writeInbound(ByteBuffer(string: "PING\r\n*1\r\n$x\r\nPING\r\n"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .command("PING"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .redisError("invalid bulk length"))
        XCTAssertNil(try channel.readInbound(as: RESPRequestFrame.self), "the bytes after the error are dropped")
        try channel.writeInbound(ByteBuffer(string: "PING\r\n"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .redisError("invalid bulk length"),
                       "the failed parser repeats its error rather than reading on")
        _ = try channel.finish()
    }

    func testUnauthenticatedLimitsThroughTheDecoder() throws {
        let input = RequestInput()
        input.requiresAuthentication = true
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPRequestDecoder(limits: .redisDefaults, input: input)))
        try channel.writeInbound(ByteBuffer(string: "*100\r\n"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .redisError("unauthenticated multibulk length"))
        _ = try channel.finish()
    }

    /// The handler behind the decoder authenticates a client while the decoder is still reading the
    /// same buffer: the request after AUTH already gets the authenticated limits, as in Redis.
    func testAuthenticationIsReadBeforeEveryRequest() throws {
        let input = RequestInput()
        input.requiresAuthentication = true
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(RESPRequestDecoder(input: input)), AuthenticatingHandler(input: input),
        ])
        let eleven = "*11\r\n" + String(repeating: "$1\r\na\r\n", count: 11)
        try channel.writeInbound(ByteBuffer(string: "*2\r\n$4\r\nAUTH\r\n$3\r\npwd\r\n" + eleven))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .command("AUTH", "pwd"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .command([[UInt8]](repeating: Array("a".utf8), count: 11)))
        _ = try channel.finish()
    }

    /// CLIENT LIST's `qbuf` and `argv-mem` come from what the decoder reports to RequestInput.
    func testInputReportsUnparsedBytesAndUnfinishedArguments() throws {
        let input = RequestInput()
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPRequestDecoder(input: input)))
        try channel.writeInbound(ByteBuffer(string: "*3\r\n$4\r\nECHO\r\n$5\r\nhello\r\n$5\r\nwor"))
        XCTAssertEqual(input.unfinishedArgumentBytes, 9, "ECHO and hello are held")
        XCTAssertEqual(input.bufferedBytes, 3, "the unfinished argument's bytes wait in the buffer")
        try channel.writeInbound(ByteBuffer(string: "ld\r\n"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .command("ECHO", "hello", "world"))
        XCTAssertEqual(input.unfinishedArgumentBytes, 0)
        XCTAssertEqual(input.bufferedBytes, 0)
        _ = try channel.finish()
    }
}

/// Stands for the connection handler: an AUTH authenticates the client at once.
private final class AuthenticatingHandler: ChannelInboundHandler {
    typealias InboundIn = RESPRequestFrame
    typealias InboundOut = RESPRequestFrame
    let input: RequestInput

    init(input: RequestInput) { self.input = input }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if case .command(let words) = frame, words.first == Array("AUTH".utf8) { input.requiresAuthentication = false }
        context.fireChannelRead(wrapInboundOut(frame))
    }
}

/// Takes PING where it lies and records every request offered.
private final class PingAnswerer: SmallRequestAnswerer {
    var offered: [[String]] = []

    func answerAtOnce(_ arguments: RESPBorrowedArguments) -> Bool {
        let words = (0..<arguments.count).map { String(decoding: arguments[$0], as: UTF8.self) }
        offered.append(words)
        return words[0] == "PING"
    }
}
