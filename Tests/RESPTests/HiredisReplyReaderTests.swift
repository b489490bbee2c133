import NIOCore
import RESP
import XCTest

final class HiredisReplyReaderTests: XCTestCase {
    func decodeAll(_ text: String) throws -> [RESPValue] {
        let reader = HiredisReplyReader()
        reader.feed(ByteBuffer(string: text))
        var values: [RESPValue] = []
        for _ in 0..<1_000 {
            guard let value = try reader.next() else { break }
            values.append(value)
        }
        return values
    }

    func testRESP2ReplyTypesManyInOneBuffer() throws {
        XCTAssertEqual(try decodeAll("+PONG\r\n-ERR bad thing\r\n:42\r\n:-7\r\n$3\r\nabc\r\n$-1\r\n*-1\r\n$0\r\n\r\n*0\r\n"), [
            .simpleString("PONG"), .error("ERR bad thing"), .integer(42), .integer(-7), .bulk("abc"), .null, .null,
            .bulk(""), .array([]),
        ])
    }

    func testNestedArrays() throws {
        XCTAssertEqual(try decodeAll("*3\r\n*2\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n*0\r\n"),
                       [.array([.array([.integer(1), .array([.bulk("x")])]), .null, .array([])])])
    }

    func testNestingDeeperThanHiredisReadsIsStillDecoded() throws {
        // hiredis itself reads eight levels; nine and more are decoded without it.
        for depth in [8, 9, 12] {
            let text = String(repeating: "*1\r\n", count: depth) + ":5\r\n"
            var expected = RESPValue.integer(5)
            for _ in 0..<depth { expected = .array([expected]) }
            XCTAssertEqual(try decodeAll(text), [expected], "depth \(depth)")
        }
        XCTAssertThrowsError(try decodeAll(String(repeating: "*1\r\n", count: 40) + ":5\r\n"), "absurd nesting is refused")
    }

    func testBulkStringsAreBinarySafe() throws {
        let reader = HiredisReplyReader()
        var input = ByteBuffer(string: "$4\r\n")
        input.writeBytes([0, 13, 10, 255])
        input.writeString("\r\n")
        reader.feed(input)
        XCTAssertEqual(try reader.next(), .bulkString([0, 13, 10, 255]))
    }

    func testRESP3ReplyTypes() throws {
        let text = "%2\r\n+role\r\n$6\r\nmaster\r\n$4\r\nport\r\n:6379\r\n" + "~2\r\n:1\r\n:2\r\n" + ",3.25\r\n,-inf\r\n,1e3\r\n"
            + "#t\r\n#f\r\n_\r\n" + "=15\r\ntxt:Some string\r\n" + ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
            + "(3492890328409238509324850943850943825024385\r\n" + "!21\r\nSYNTAX invalid syntax\r\n"
            + "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n:99\r\n"
        XCTAssertEqual(try decodeAll(text), [
            .map([.simpleString("role"), .bulk("master"), .bulk("port"), .integer(6379)]),
            .set([.integer(1), .integer(2)]), .double(3.25), .double(-.infinity), .double(1000),
            .boolean(true), .boolean(false), .null, .verbatim("Some string"),
            .push([.bulk("message"), .bulk("ch"), .bulk("hi")]),
            .bigNumber("3492890328409238509324850943850943825024385"), .error("SYNTAX invalid syntax"),
            .integer(99),
        ])
    }

    func testRESP3InsideARESP2Array() throws {
        XCTAssertEqual(try decodeAll("*2\r\n#t\r\n%1\r\n:1\r\n:2\r\n"), [.array([.boolean(true), .map([.integer(1), .integer(2)])])])
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
        XCTAssertEqual(reader.bufferedBytes, 0)
    }

    func testDripFedRepliesMatchWholeReplies() throws {
        let text = "*3\r\n$7\r\nmessage\r\n$12\r\n__sentinel__\r\n$5\r\nhello\r\n+OK\r\n%1\r\n:1\r\n#t\r\n-ERR x\r\n"
        let reader = HiredisReplyReader()
        var values: [RESPValue] = []
        for byte in text.utf8 {
            reader.feed(ByteBuffer(bytes: [byte]))
            while let value = try reader.next() { values.append(value) }
        }
        XCTAssertEqual(values, try decodeAll(text))
        XCTAssertEqual(values.count, 4)
    }

    func testMalformedRepliesThrowAndStayFailed() throws {
        let malformed = [
            "?what\r\n", "$abc\r\n", "$-2\r\n", "*-2\r\n", ":12a\r\n", ":\r\n", "#x\r\n", ",abc\r\n", "_x\r\n",
            "$3\r\nabcXY", "=3\r\ntxt\r\n", "*2147483648\r\n", "$" + String(repeating: "9", count: 100), "(12x\r\n",
            "%-1\r\n",
        ]
        for text in malformed {
            let reader = HiredisReplyReader()
            reader.feed(ByteBuffer(string: text))
            XCTAssertThrowsError(try reader.next(), text) { XCTAssertTrue($0 is HiredisProtocolError, text) }
            reader.feed(ByteBuffer(string: "+OK\r\n"))
            XCTAssertThrowsError(try reader.next(), "stays failed after \(text)")
        }
        XCTAssertThrowsError(try decodeAll("+OK\r\n?\r\n"))
    }

    func testUnknownTypeByteMessageNamesTheByte() {
        let reader = HiredisReplyReader()
        reader.feed(ByteBuffer(string: "?x\r\n"))
        XCTAssertThrowsError(try reader.next()) {
            XCTAssertEqual($0 as? HiredisProtocolError, HiredisProtocolError(message: "Protocol error, got \"?\" as reply type byte"))
        }
    }

    func testAHugeAnnouncedArrayAllocatesNothingUntilItsElementsArrive() throws {
        let reader = HiredisReplyReader()
        reader.feed(ByteBuffer(string: "*2147483647\r\n:1\r\n"))
        XCTAssertNil(try reader.next())
        XCTAssertEqual(reader.bufferedBytes, 17)
    }
}
