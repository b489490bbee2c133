import NIOCore
import NIOEmbedded
import NIOTestUtils
import RESP
import XCTest

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

    func testEmbeddedChannelStopsAfterAProtocolError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPRequestDecoder()))
        try channel.writeInbound(ByteBuffer(string: "PING\r\n*1\r\n$x\r\nPING\r\n"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .command("PING"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .redisError("invalid bulk length"))
        try channel.writeInbound(ByteBuffer(string: "PING\r\n"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .redisError("invalid bulk length"),
                       "the failed parser repeats its error rather than reading on")
        _ = try channel.finish()
    }

    func testUnauthenticatedLimitsThroughTheDecoder() throws {
        var decoder = RESPRequestDecoder(limits: .redisDefaults)
        decoder.requiresAuthentication = true
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(decoder))
        try channel.writeInbound(ByteBuffer(string: "*100\r\n"))
        XCTAssertEqual(try channel.readInbound(as: RESPRequestFrame.self), .redisError("unauthenticated multibulk length"))
        _ = try channel.finish()
    }
}
