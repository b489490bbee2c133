import NIOCore
import RESP
import XCTest

final class RESPRequestParserTests: XCTestCase {
    /// Every frame one buffer yields, stopping after the first failure.
    func frames(_ text: String, limits: RESPRequestLimits = .redisDefaults, authenticated: Bool = true) -> [RESPRequestFrame] {
        frames(ByteBuffer(string: text), limits: limits, authenticated: authenticated)
    }

    func frames(_ input: ByteBuffer, limits: RESPRequestLimits = .redisDefaults, authenticated: Bool = true) -> [RESPRequestFrame] {
        var parser = RESPRequestParser(limits: limits)
        parser.requiresAuthentication = !authenticated
        var buffer = input
        var result: [RESPRequestFrame] = []
        for _ in 0..<1_000 {
            guard let frame = parser.next(from: &buffer) else { break }
            result.append(frame)
            guard case .command = frame else { break }
        }
        return result
    }

    func testMultibulkCommand() {
        XCTAssertEqual(frames("*3\r\n$8\r\nSENTINEL\r\n$10\r\nget-master\r\n$0\r\n\r\n"),
                       [.command("SENTINEL", "get-master", "")])
    }

    func testMultibulkArgumentsAreBinarySafe() {
        var input = ByteBuffer(string: "*1\r\n$5\r\n")
        input.writeBytes([0, 13, 10, 255, 32])
        input.writeString("\r\n")
        XCTAssertEqual(frames(input), [.command([[0, 13, 10, 255, 32]])])
    }

    func testInlineCommandsWithCRLFOrBareNewline() {
        XCTAssertEqual(frames("PING\r\nINFO  server\n  ECHO\tx  \r\n"),
                       [.command("PING"), .command("INFO", "server"), .command("ECHO", "x")])
    }

    func testInlineQuotesAndEscapes() {
        XCTAssertEqual(frames("SET \"a b\\n\\r\\t\\b\\a\\\\\\\"\\x41\\x4a\" 'it\\'s \"x\"'\r\n"),
                       [.command("SET", "a b\n\r\t\u{8}\u{7}\\\"AJ", "it's \"x\"")])
        XCTAssertEqual(frames("ECHO \"\\xZZ\\q\"\r\n"), [.command("ECHO", "xZZq")], "a bad hex escape is a plain escaped character")
        XCTAssertEqual(frames("ECHO 'a\\nb'\r\n"), [.command("ECHO", "a\\nb")], "single quotes keep backslashes")
        XCTAssertEqual(frames("ECHO a\"b c\" d\r\n"), [.command("ECHO", "ab c", "d")], "a quote may open inside a word")
        XCTAssertEqual(frames("ECHO \"\" ''\r\n"), [.command("ECHO", "", "")])
    }

    func testUnbalancedQuotes() {
        let unbalanced: [RESPRequestFrame] = [.redisError("unbalanced quotes in request")]
        XCTAssertEqual(frames("SET \"a b\r\n"), unbalanced)
        XCTAssertEqual(frames("SET 'a b\r\n"), unbalanced)
        XCTAssertEqual(frames("SET \"a\"b\r\n"), unbalanced, "a closing quote must be followed by a blank")
        XCTAssertEqual(frames("SET 'a'b\r\n"), unbalanced)
        XCTAssertEqual(frames("SET \"a\\\"\r\n"), unbalanced)
    }

    func testInlineLineEndsAtANulByteAsInRedis() {
        var input = ByteBuffer(string: "ECHO a")
        input.writeBytes([0])
        input.writeString(" ignored\r\nPING\r\n")
        XCTAssertEqual(frames(input), [.command("ECHO", "a"), .command("PING")])
    }

    func testEmptyLinesAndEmptyMultibulksAreSkipped() {
        XCTAssertEqual(frames("\r\n\n   \r\n*0\r\n*-1\r\n*-7\r\nPING\r\n"), [.command("PING")])
    }

    func testManyPipelinedCommandsInOneBuffer() {
        var text = ""
        var expected: [RESPRequestFrame] = []
        for index in 0..<300 {
            if index % 2 == 0 {
                text += "*2\r\n$4\r\nECHO\r\n$\(String(index).utf8.count)\r\n\(index)\r\n"
            } else {
                text += "ECHO \(index)\r\n"
            }
            expected.append(.command("ECHO", String(index)))
        }
        XCTAssertEqual(frames(text), expected)
    }

    func testDripFedBytesGiveTheSameFrames() {
        let requests = ["*3\r\n$8\r\nSENTINEL\r\n$6\r\nMASTER\r\n$8\r\nmymaster\r\n", "PING\r\n", "\r\n",
                        "*1\r\n$4\r\nROLE\r\n", "ECHO \"a b\"\n"]
        var boundaries: Set<Int> = [0]
        var total = 0
        for request in requests {
            total += request.utf8.count
            boundaries.insert(total)
        }
        var parser = RESPRequestParser()
        var buffer = ByteBuffer()
        var written = 0
        var result: [RESPRequestFrame] = []
        for byte in requests.joined().utf8 {
            buffer.writeInteger(byte)
            written += 1
            while let frame = parser.next(from: &buffer) { result.append(frame) }
            XCTAssertTrue(boundaries.contains(written - buffer.readableBytes), "a partial request stays unread from its start")
        }
        XCTAssertEqual(result, [.command("SENTINEL", "MASTER", "mymaster"), .command("PING"), .command("ROLE"), .command("ECHO", "a b")])
        XCTAssertEqual(buffer.readableBytes, 0)
    }

    func testPartialRequestSurvivesBufferCompaction() {
        var parser = RESPRequestParser()
        var buffer = ByteBuffer(string: "PING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nhel")
        XCTAssertEqual(parser.next(from: &buffer), .command("PING"))
        XCTAssertNil(parser.next(from: &buffer))
        buffer.discardReadBytes()
        buffer.writeString("lo\r\n")
        XCTAssertEqual(parser.next(from: &buffer), .command("ECHO", "hello"))
        XCTAssertEqual(buffer.readableBytes, 0)
    }

    func testMultibulkAndBulkLengthErrors() {
        XCTAssertEqual(frames("*x\r\n"), [.redisError("invalid multibulk length")])
        XCTAssertEqual(frames("*\r\n"), [.redisError("invalid multibulk length")])
        XCTAssertEqual(frames("*+1\r\n"), [.redisError("invalid multibulk length")], "Redis refuses a '+' sign")
        XCTAssertEqual(frames("*01\r\n"), [.redisError("invalid multibulk length")], "Redis refuses leading zeros")
        XCTAssertEqual(frames("*2147483648\r\n"), [.redisError("invalid multibulk length")], "above INT_MAX")
        XCTAssertEqual(frames("*99999999999999999999\r\n"), [.redisError("invalid multibulk length")], "beyond Int64")
        XCTAssertEqual(frames("*1\r\nx$4\r\n"), [.redisError("expected '$', got 'x'")])
        XCTAssertEqual(frames("*2\r\n$4\r\nECHO\r\n:1\r\n"), [.redisError("expected '$', got ':'")])
        XCTAssertEqual(frames("*1\r\n$-3\r\n"), [.redisError("invalid bulk length")])
        XCTAssertEqual(frames("*1\r\n$-1\r\n"), [.redisError("invalid bulk length")], "clients may not send nil")
        XCTAssertEqual(frames("*1\r\n$\r\n"), [.redisError("invalid bulk length")])
        XCTAssertEqual(frames("*1\r\n$536870913\r\n"), [.redisError("invalid bulk length")], "above proto-max-bulk-len")
    }

    func testHeaderLinesWaitForTheirEndUntilTheInlineLimit() {
        XCTAssertEqual(frames("*1\r\nxyz"), [], "Redis waits for the line before checking for '$'")
        XCTAssertEqual(frames("*12345"), [])
        XCTAssertEqual(frames("*1\r"), [], "the byte after \\r must arrive too")
        XCTAssertEqual(frames(String(repeating: "a", count: 70_000)), [.redisError("too big inline request")])
        XCTAssertEqual(frames(String(repeating: "a", count: 65_536)), [], "exactly the limit still waits")
        XCTAssertEqual(frames("*" + String(repeating: "1", count: 70_000)), [.redisError("too big mbulk count string")])
        XCTAssertEqual(frames("*1\r\n$" + String(repeating: "1", count: 70_000)), [.redisError("too big bulk count string")])
    }

    func testUnauthenticatedLimits() {
        XCTAssertEqual(frames("*11\r\n", authenticated: false), [.redisError("unauthenticated multibulk length")])
        XCTAssertEqual(frames("*1\r\n$16385\r\n", authenticated: false), [.redisError("unauthenticated bulk length")])
        XCTAssertEqual(frames("*2\r\n$4\r\nAUTH\r\n$3\r\npwd\r\n", authenticated: false), [.command("AUTH", "pwd")])
        let tenArguments = "*10\r\n" + String(repeating: "$1\r\na\r\n", count: 10)
        XCTAssertEqual(frames(tenArguments, authenticated: false).count, 1, "exactly ten arguments are allowed")
        XCTAssertEqual(frames("*1\r\n$16384\r\n" + String(repeating: "x", count: 16_384) + "\r\n", authenticated: false).count, 1)
        XCTAssertEqual(frames("*11\r\n", authenticated: true), [], "after AUTH the count is fine and the parser waits")
    }

    func testQueryBufferLimitClosesWithoutReply() {
        var limits = RESPRequestLimits()
        limits.maxQueryBufferBytes = 1_000
        XCTAssertEqual(frames("*1\r\n$5000\r\n" + String(repeating: "x", count: 2_000), limits: limits), [.queryBufferLimitExceeded])
        XCTAssertEqual(frames("*1\r\n$5000\r\n" + String(repeating: "x", count: 900), limits: limits), [], "under the limit it waits")
    }

    func testFailureIsSticky() {
        var parser = RESPRequestParser()
        var buffer = ByteBuffer(string: "*x\r\nPING\r\n")
        XCTAssertEqual(parser.next(from: &buffer), .redisError("invalid multibulk length"))
        buffer.writeString("PING\r\n")
        XCTAssertEqual(parser.next(from: &buffer), .redisError("invalid multibulk length"))
    }

    func testCustomLimitsApply() {
        let limits = RESPRequestLimits(maxInlineBytes: 8, maxMultibulkLength: 2, maxBulkBytes: 3)
        XCTAssertEqual(frames("*3\r\n", limits: limits), [.redisError("invalid multibulk length")])
        XCTAssertEqual(frames("*1\r\n$4\r\n", limits: limits), [.redisError("invalid bulk length")])
        XCTAssertEqual(frames("PINGPINGPING", limits: limits), [.redisError("too big inline request")])
        XCTAssertEqual(RESPRequestLimits.redisDefaults, RESPRequestLimits(
            maxQueryBufferBytes: 1 << 30, maxInlineBytes: 65_536, maxMultibulkLength: 2_147_483_647,
            maxBulkBytes: 536_870_912, unauthenticatedMaxMultibulkLength: 10, unauthenticatedMaxBulkBytes: 16_384))
    }
}
