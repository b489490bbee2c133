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
            (.integer(Int64.min), ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"),
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
            (.verbatim("hi"), "$2\r\nhi\r\n", "=6\r\ntxt:hi\r\n"),
            (.verbatim(""), "$0\r\n\r\n", "=4\r\ntxt:\r\n"),
            (.push([.bulk("message")]), "*1\r\n$7\r\nmessage\r\n", ">1\r\n$7\r\nmessage\r\n"),
        ]
        for (value, resp2, resp3) in cases {
            XCTAssertEqual(value.encoded(.resp2), resp2, "\(value) in RESP2")
            XCTAssertEqual(value.encoded(.resp3), resp3, "\(value) in RESP3")
        }
    }

    /// The lookup's reply written in place is the value's encoding, byte for byte.
    func testAddressReplyIsTheArrayOfTwoBulks() {
        for (host, port) in [("127.0.0.1", 6379), ("", 0), ("redis-1.example.com", 65535), ("::1", -1), ("h\u{E9}", Int.max), ("x", Int.min)] {
            var buffer = ByteBuffer()
            buffer.writeRESPAddress(host: host, port: port)
            XCTAssertEqual(String(buffer: buffer), RESPValue.array([.bulk(host), .bulk(String(port))]).encoded(.resp2), "\(host) \(port)")
        }
        var buffer = ByteBuffer()
        buffer.writeRESPNullArray(protocolVersion: .resp3)
        buffer.writeRESPBulk([0, 255])
        XCTAssertEqual(Array(buffer.readableBytesView), Array("_\r\n$2\r\n".utf8) + [0, 255] + Array("\r\n".utf8))
    }

    func testBulkStringsAreBinarySafe() {
        for version in [RESPProtocolVersion.resp2, .resp3] {
            var buffer = ByteBuffer()
            RESPValue.bulkString([0, 255, 13]).write(to: &buffer, protocolVersion: version)
            XCTAssertEqual(Array(buffer.readableBytesView), Array("$3\r\n".utf8) + [0, 255, 13] + Array("\r\n".utf8))
        }
    }

    func testNestedRESP3AggregatesKeepTheirMarkers() {
        let value = RESPValue.push([.bulk("message"), .map([.bulk("k"), .set([.integer(1)])])])
        XCTAssertEqual(value.encoded(.resp3), ">2\r\n$7\r\nmessage\r\n%1\r\n$1\r\nk\r\n~1\r\n:1\r\n")
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

    /// Text echoed from a request must not end a status or error line early and start a reply of its
    /// own: CR and LF become spaces, as Redis does (and an error's leading and trailing ones go).
    func testStatusAndErrorTextStayOnOneLine() {
        XCTAssertEqual(RESPValue.error("ERR Invalid argument 'x\r\n+OK' for SENTINEL SET 'quorum'").encoded(.resp2),
                       "-ERR Invalid argument 'x  +OK' for SENTINEL SET 'quorum'\r\n")
        XCTAssertEqual(RESPValue.error("ERR bad\r\n").encoded(.resp3), "-ERR bad\r\n")
        XCTAssertEqual(RESPValue.error("\nERR a\rb\n\n").encoded(.resp2), "-ERR a b\r\n")
        XCTAssertEqual(RESPValue.simpleString("a\r\nb\n").encoded(.resp2), "+a  b \r\n")
        XCTAssertEqual(RESPValue.array([.simpleString("x\ry"), .error("E\nz")]).encoded(.resp3), "*2\r\n+x y\r\n-E z\r\n")
    }
}
