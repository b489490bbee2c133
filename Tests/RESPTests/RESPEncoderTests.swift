import NIOCore
import RESP
import XCTest

final class RESPEncoderTests: XCTestCase {
    func testEveryCaseInBothProtocols() {
        let cases: [(RESPValue, resp2: String, resp3: String)] = [
            (.simpleString("OK"), "+OK\r\n", "+OK\r\n"),
            (.error("ERR unknown command 'x'"), "-ERR unknown command 'x'\r\n", "-ERR unknown command 'x'\r\n"),
            (.integer(-5), ":-5\r\n", ":-5\r\n"),
            (.integer(Int64.max), ":9223372036854775807\r\n", ":9223372036854775807\r\n"),
            (.bulk("a\r\nb"), "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"),
            (.bulk(""), "$0\r\n\r\n", "$0\r\n\r\n"),
            (.null, "$-1\r\n", "_\r\n"),
            (.nullArray, "*-1\r\n", "_\r\n"),
            (.array([]), "*0\r\n", "*0\r\n"),
            (.array([.integer(1), .bulk("x")]), "*2\r\n:1\r\n$1\r\nx\r\n", "*2\r\n:1\r\n$1\r\nx\r\n"),
            (.array([.array([.null]), .nullArray]), "*2\r\n*1\r\n$-1\r\n*-1\r\n", "*2\r\n*1\r\n_\r\n_\r\n"),
            (.map([.bulk("k"), .bulk("v")]), "*2\r\n$1\r\nk\r\n$1\r\nv\r\n", "%1\r\n$1\r\nk\r\n$1\r\nv\r\n"),
            (.map([]), "*0\r\n", "%0\r\n"),
            (.set([.simpleString("a")]), "*1\r\n+a\r\n", "~1\r\n+a\r\n"),
            (.double(1.5), "$3\r\n1.5\r\n", ",1.5\r\n"),
            (.double(3), "$1\r\n3\r\n", ",3\r\n"),
            (.double(-.infinity), "$4\r\n-inf\r\n", ",-inf\r\n"),
            (.double(.infinity), "$3\r\ninf\r\n", ",inf\r\n"),
            (.double(.nan), "$3\r\nnan\r\n", ",nan\r\n"),
            (.boolean(true), ":1\r\n", "#t\r\n"),
            (.boolean(false), ":0\r\n", "#f\r\n"),
            (.verbatim("hi"), "$2\r\nhi\r\n", "=6\r\ntxt:hi\r\n"),
            (.push([.bulk("message")]), "*1\r\n$7\r\nmessage\r\n", ">1\r\n$7\r\nmessage\r\n"),
            (.bigNumber("-123456789012345678901234567890"), "$31\r\n-123456789012345678901234567890\r\n",
             "(-123456789012345678901234567890\r\n"),
        ]
        for (value, resp2, resp3) in cases {
            XCTAssertEqual(value.encoded(.resp2), resp2, "\(value) in RESP2")
            XCTAssertEqual(value.encoded(.resp3), resp3, "\(value) in RESP3")
        }
    }

    func testBulkStringsAreBinarySafe() {
        for version in [RESPProtocolVersion.resp2, .resp3] {
            var buffer = ByteBuffer()
            RESPValue.bulkString([0, 255, 13]).write(to: &buffer, protocolVersion: version)
            XCTAssertEqual(Array(buffer.readableBytesView), Array("$3\r\n".utf8) + [0, 255, 13] + Array("\r\n".utf8))
        }
    }

    func testNestedRESP3AggregatesKeepTheirMarkers() {
        let value = RESPValue.push([.bulk("message"), .map([.bulk("k"), .set([.boolean(true)])])])
        XCTAssertEqual(value.encoded(.resp3), ">2\r\n$7\r\nmessage\r\n%1\r\n$1\r\nk\r\n~1\r\n#t\r\n")
        XCTAssertEqual(value.encoded(.resp2), "*2\r\n$7\r\nmessage\r\n*2\r\n$1\r\nk\r\n*1\r\n:1\r\n")
    }

    func testStringValueReadsTextCasesOnly() {
        XCTAssertEqual(RESPValue.simpleString("a").stringValue, "a")
        XCTAssertEqual(RESPValue.bulk("b").stringValue, "b")
        XCTAssertEqual(RESPValue.verbatim("c").stringValue, "c")
        XCTAssertNil(RESPValue.integer(1).stringValue)
        XCTAssertNil(RESPValue.error("ERR").stringValue)
        XCTAssertNil(RESPValue.null.stringValue)
    }
}
