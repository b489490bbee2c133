import NIOCore
import RESP
import XCTest

final class RESPEncoderTests: XCTestCase {
    func bytes(_ value: RESPValue, _ version: RESPProtocolVersion) -> String {
        var buffer = ByteBuffer()
        value.write(to: &buffer, protocolVersion: version)
        return String(buffer: buffer)
    }

    func testEveryTypeInBothProtocols() {
        let cases: [(RESPValue, String, String)] = [
            (.simpleString("OK"), "+OK\r\n", "+OK\r\n"),
            (.error("ERR x"), "-ERR x\r\n", "-ERR x\r\n"),
            (.integer(-5), ":-5\r\n", ":-5\r\n"),
            (.bulk("a\r\nb"), "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"),
            (.null, "$-1\r\n", "_\r\n"),
            (.nullArray, "*-1\r\n", "_\r\n"),
            (.array([.integer(1), .bulk("x")]), "*2\r\n:1\r\n$1\r\nx\r\n", "*2\r\n:1\r\n$1\r\nx\r\n"),
            (.map([.bulk("k"), .bulk("v")]), "*2\r\n$1\r\nk\r\n$1\r\nv\r\n", "%1\r\n$1\r\nk\r\n$1\r\nv\r\n"),
            (.set([.simpleString("a")]), "*1\r\n+a\r\n", "~1\r\n+a\r\n"),
            (.verbatim("hi"), "$2\r\nhi\r\n", "=6\r\ntxt:hi\r\n"),
            (.push([.bulk("message")]), "*1\r\n$7\r\nmessage\r\n", ">1\r\n$7\r\nmessage\r\n"),
        ]
        for (value, resp2, resp3) in cases {
            XCTAssertEqual(bytes(value, .resp2), resp2, "\(value)")
            XCTAssertEqual(bytes(value, .resp3), resp3, "\(value)")
        }
    }

    /// Text echoed from a request must not end a status or error line early and start a reply of its
    /// own: CR and LF become spaces, as Redis does (and an error's leading and trailing ones go).
    func testStatusAndErrorTextStayOnOneLine() {
        XCTAssertEqual(bytes(.error("ERR Invalid argument 'x\r\n+OK' for SENTINEL SET 'quorum'"), .resp2),
                       "-ERR Invalid argument 'x  +OK' for SENTINEL SET 'quorum'\r\n")
        XCTAssertEqual(bytes(.error("ERR bad\r\n"), .resp3), "-ERR bad\r\n")
        XCTAssertEqual(bytes(.error("\nERR a\rb\n\n"), .resp2), "-ERR a b\r\n")
        XCTAssertEqual(bytes(.simpleString("a\r\nb\n"), .resp2), "+a  b \r\n")
        XCTAssertEqual(bytes(.array([.simpleString("x\ry"), .error("E\nz")]), .resp3), "*2\r\n+x y\r\n-E z\r\n")
    }
}
