import NIOCore
import RESP
import XCTest

/// hiredis's reader over replies from Redis nodes and peers (RESP2: Vigil never asks them for RESP3).
final class HiredisReplyReaderTests: XCTestCase {
    func testReplyTypesManyInOneBuffer() throws {
        XCTAssertEqual(try hiredisReplies("+PONG\r\n-ERR bad thing\r\n:42\r\n:-7\r\n$3\r\nabc\r\n$-1\r\n*-1\r\n$0\r\n\r\n*0\r\n"), [
            .simpleString("PONG"), .error("ERR bad thing"), .integer(42), .integer(-7), .bulk("abc"), .null, .null,
            .bulk(""), .array([]),
        ])
    }

    func testNestedArrays() throws {
        XCTAssertEqual(try hiredisReplies("*3\r\n*2\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n*0\r\n"),
                       [.array([.array([.integer(1), .array([.bulk("x")])]), .null, .array([])])])
    }

    /// hiredis reads eight levels of arrays, as the hiredis inside redis-sentinel does; no Redis reply
    /// nests that deep, so a deeper one is a broken or lying peer.
    func testNestingBeyondHiredisDepthIsAProtocolError() throws {
        let eightLevels = String(repeating: "*1\r\n", count: 8) + ":5\r\n"
        var expected = RESPValue.integer(5)
        for _ in 0..<8 { expected = .array([expected]) }
        XCTAssertEqual(try hiredisReplies(eightLevels), [expected])
        XCTAssertThrowsError(try hiredisReplies(String(repeating: "*1\r\n", count: 9) + ":5\r\n")) {
            XCTAssertEqual(($0 as? HiredisProtocolError)?.message, "No support for nested multi bulk replies with depth > 7")
        }
        XCTAssertThrowsError(try hiredisReplies(String(repeating: "*1\r\n", count: 40) + ":5\r\n"))
    }

    func testBulkStringsAreBinarySafe() throws {
        let reader = HiredisReplyReader()
        var input = ByteBuffer(string: "$4\r\n")
        input.writeBytes([0, 13, 10, 255])
        input.writeString("\r\n")
        reader.feed(input)
        XCTAssertEqual(try reader.next(), .bulkString([0, 13, 10, 255]))
    }

    func testPartialReplyWaitsForMoreBytes() throws {
        let reader = HiredisReplyReader()
        reader.feed(ByteBuffer(string: "*2\r\n$5\r\nhel"))
        XCTAssertNil(try reader.next())
        reader.feed(ByteBuffer(string: "lo\r\n:"))
        XCTAssertNil(try reader.next())
        reader.feed(ByteBuffer(string: "1\r\n+OK\r"))
        XCTAssertEqual(try reader.next(), .array([.bulk("hello"), .integer(1)]))
        XCTAssertNil(try reader.next())
        reader.feed(ByteBuffer(string: "\n"))
        XCTAssertEqual(try reader.next(), .simpleString("OK"))
        XCTAssertNil(try reader.next())
    }

    func testDripFedRepliesMatchWholeReplies() throws {
        let text = "*3\r\n$7\r\nmessage\r\n$12\r\n__sentinel__\r\n$5\r\nhello\r\n+OK\r\n*2\r\n:1\r\n*0\r\n-ERR x\r\n"
        let reader = HiredisReplyReader()
        var values: [RESPValue] = []
        for byte in text.utf8 {
            reader.feed(ByteBuffer(bytes: [byte]))
            while let value = try reader.next() { values.append(value) }
        }
        XCTAssertEqual(values, try hiredisReplies(text))
        XCTAssertEqual(values.count, 4)
    }

    func testMalformedRepliesThrowAndStayFailed() throws {
        let malformed = [
            ("?what\r\n", "Protocol error, got \"?\" as reply type byte"), ("$abc\r\n", "Bad bulk string length"),
            ("$-2\r\n", "Bulk string length out of range"), ("$" + String(repeating: "9", count: 100) + "\r\n", "Bad bulk string length"),
            ("*abc\r\n", "Bad multi-bulk length"), ("*-2\r\n", "Multi-bulk length out of range"),
            ("*2147483648\r\n", "Multi-bulk length out of range"), (":12a\r\n", "Bad integer value"), (":\r\n", "Bad integer value"),
        ]
        for (text, message) in malformed {
            let reader = HiredisReplyReader()
            reader.feed(ByteBuffer(string: text))
            XCTAssertThrowsError(try reader.next(), text) { XCTAssertEqual(($0 as? HiredisProtocolError)?.message, message, text) }
            reader.feed(ByteBuffer(string: "+OK\r\n"))
            XCTAssertThrowsError(try reader.next(), "stays failed after \(text)")
        }
        XCTAssertThrowsError(try hiredisReplies("+OK\r\n?\r\n"))
    }

    /// As in hiredis everywhere (and Redis's own request parser), the two bytes after a bulk string
    /// are skipped unread.
    func testTheTwoBytesAfterABulkAreNotChecked() throws {
        XCTAssertEqual(try hiredisReplies("$3\r\nabcXY:1\r\n"), [.bulk("abc"), .integer(1)])
    }

    func testUnknownTypeByteMessageNamesTheByte() {
        let reader = HiredisReplyReader()
        reader.feed(ByteBuffer(string: "?x\r\n"))
        XCTAssertThrowsError(try reader.next()) {
            XCTAssertEqual(($0 as? HiredisProtocolError)?.message, "Protocol error, got \"?\" as reply type byte")
        }
    }

    /// Debian's hiredis 0.14 predates RESP3, and Vigil never sends HELLO 3 to Redis; a RESP3 reply
    /// means a broken peer, and the link is dropped.
    func testRESP3RepliesAreProtocolErrors() {
        for (text, byte) in [("%1\r\n:1\r\n:2\r\n", "%"), ("#t\r\n", "#"), ("_\r\n", "_"), (",1.5\r\n", ","), (">1\r\n:1\r\n", ">")] {
            XCTAssertThrowsError(try hiredisReplies(text), text) {
                XCTAssertEqual(($0 as? HiredisProtocolError)?.message, "Protocol error, got \"\(byte)\" as reply type byte")
            }
        }
    }

    /// A peer announcing a huge array is refused when the header arrives, before hiredis allocates
    /// room for its elements.
    func testAHugeAnnouncedArrayIsRefusedBeforeAllocation() {
        for count in [HiredisReplyReader.maxArrayElements + 1, Int(Int32.max), 99_999_999_999] {
            XCTAssertThrowsError(try hiredisReplies("*\(count)\r\n:1\r\n"), "\(count)")
        }
        XCTAssertEqual(try hiredisReplies("*1048576\r\n:1\r\n"), [], "the largest allowed array waits for its elements")
    }
}
