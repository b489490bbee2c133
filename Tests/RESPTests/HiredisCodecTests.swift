import NIOCore
import NIOEmbedded
import NIOTestUtils
import RESP
import XCTest

/// The codecs of the links to Redis nodes and peers: hiredis's command formatter and reply reader
/// as NIO handlers.
final class HiredisCodecTests: XCTestCase {
    func testFormatIsBinarySafeWithLengths() {
        let buffer = HiredisCommand.format(["SET", "a key\r\nwith CRLF", ""])
        XCTAssertEqual(String(buffer: buffer), "*3\r\n$3\r\nSET\r\n$16\r\na key\r\nwith CRLF\r\n$0\r\n\r\n")
    }

    func testFormatOfRawBytes() {
        let buffer = HiredisCommand.format([Array("PUBLISH".utf8), [0, 32, 13, 10, 255]])
        let expected = Array("*2\r\n$7\r\nPUBLISH\r\n$5\r\n".utf8) + [0, 32, 13, 10, 255] + Array("\r\n".utf8)
        XCTAssertEqual(Array(buffer.readableBytesView), expected)
    }

    func testFormatOfNoArgumentsAndOfManyArguments() {
        XCTAssertEqual(String(buffer: HiredisCommand.format([String]())), "*0\r\n")
        let many = (0..<1_000).map(String.init)
        let expected = "*1000\r\n" + many.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
        XCTAssertEqual(String(buffer: HiredisCommand.format(many)), expected)
    }

    func testFormattedCommandParsesBackThroughTheRequestParser() {
        let arguments: [[UInt8]] = [Array("SENTINEL".utf8), Array("is-master-down-by-addr".utf8), [], [13, 10, 0]]
        var buffer = HiredisCommand.format(arguments)
        var parser = RESPRequestParser()
        XCTAssertEqual(parser.next(from: &buffer), .command(arguments))
    }

    /// The encoder writes commands itself; hiredis's formatter is the yardstick, byte for byte.
    func testDirectCommandWritingMatchesHiredisFormatting() {
        let commands: [[String]] = [
            [], ["PING"], ["INFO"], [""], ["SET", "a key\r\nwith CRLF", ""],
            ["PUBLISH", "__sentinel__:hello", "127.0.0.1,26379,0123456789abcdef0123456789abcdef01234567,7,mymaster,127.0.0.1,6379,7"],
            ["ECHO", "é∂ 🚀 \u{0}"], ["SET", String(repeating: "x", count: 100_000)], (0..<1_234).map(String.init),
        ]
        for command in commands {
            var written = ByteBuffer()
            RESPCommand.write(command, into: &written)
            XCTAssertEqual(Array(written.readableBytesView), Array(HiredisCommand.format(command).readableBytesView), "\(command.prefix(3))")
        }
    }

    /// Past `idleBufferLimit` hiredis frees its emptied input buffer on the next feed; replies keep
    /// coming out whole across that, in one piece or split.
    func testReaderKeepsDecodingAfterReleasingALargeBuffer() throws {
        let reader = HiredisReplyReader()
        let large = String(repeating: "i", count: 5 * HiredisReplyReader.idleBufferLimit)
        for _ in 0..<3 {
            reader.feed(ByteBuffer(string: "$\(large.utf8.count)\r\n\(large)\r\n"))
            XCTAssertEqual(try reader.next(), .bulkString(Array(large.utf8)))
            reader.feed(ByteBuffer(string: "+PO"))
            XCTAssertNil(try reader.next())
            reader.feed(ByteBuffer(string: "NG\r\n"))
            XCTAssertEqual(try reader.next(), .simpleString("PONG"))
            XCTAssertNil(try reader.next())
        }
    }

    func testCommandEncoderWritesHiredisFormat() throws {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(HiredisCommandEncoder()))
        try channel.writeOutbound(["PING"])
        try channel.writeOutbound(["INFO", "replication"])
        XCTAssertEqual(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) }, "*1\r\n$4\r\nPING\r\n")
        XCTAssertEqual(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) },
                       "*2\r\n$4\r\nINFO\r\n$11\r\nreplication\r\n")
        _ = try channel.finish()
    }

    func testReplyDecoderVerifier() throws {
        let inputs: [(ByteBuffer, [RESPValue])] = [
            (ByteBuffer(string: "+OK\r\n"), [.simpleString("OK")]),
            (ByteBuffer(string: "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n:1\r\n"),
             [.array([.bulk("message"), .bulk("ch"), .bulk("x")]), .integer(1)]),
            (ByteBuffer(string: "*2\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$-1\r\n-ERR no\r\n"),
             [.array([.bulk("role"), .bulk("master")]), .null, .error("ERR no")]),
        ]
        XCTAssertNoThrow(try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: inputs) { HiredisReplyDecoder() })
    }

    func testReplyDecoderInAPipelineWithFragmentedInput() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HiredisReplyDecoder()))
        try channel.writeInbound(ByteBuffer(string: "+PO"))
        XCTAssertNil(try channel.readInbound(as: RESPValue.self))
        try channel.writeInbound(ByteBuffer(string: "NG\r\n$11\r\nrole:ma"))
        XCTAssertEqual(try channel.readInbound(as: RESPValue.self), .simpleString("PONG"))
        XCTAssertNil(try channel.readInbound(as: RESPValue.self))
        try channel.writeInbound(ByteBuffer(string: "ster\r\n:3\r\n"))
        XCTAssertEqual(try channel.readInbound(as: RESPValue.self), .bulk("role:master"))
        XCTAssertEqual(try channel.readInbound(as: RESPValue.self), .integer(3))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testReplyDecoderErrorReachesThePipeline() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HiredisReplyDecoder()))
        XCTAssertThrowsError(try channel.writeInbound(ByteBuffer(string: "+OK\r\n?bad\r\n"))) {
            XCTAssertTrue($0 is HiredisProtocolError)
        }
        XCTAssertEqual(try channel.readInbound(as: RESPValue.self), .simpleString("OK"))
        _ = try? channel.finish()
    }
}
