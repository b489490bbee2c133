import NIOCore
import RESP
import XCTest

final class RESPRequestParserTests: XCTestCase {
    func frames(_ text: String, limits: RESPRequestLimits = .redisDefaults, authenticated: Bool = true) -> [RESPRequestFrame] {
        requestFrames(ByteBuffer(string: text), limits: limits, authenticated: authenticated)
    }

    func frames(_ bytes: [UInt8]) -> [RESPRequestFrame] { requestFrames(ByteBuffer(bytes: bytes)) }

    func testMultibulkAndInlineAndPipelined() {
        XCTAssertEqual(frames("*2\r\n$4\r\nPING\r\n$2\r\nhi\r\nPING\r\n\r\nINFO  server\n*0\r\n*1\r\n$4\r\nROLE\r\n"),
                       [.command("PING", "hi"), .command("PING"), .command("INFO", "server"), .command("ROLE")])
    }

    func testMultibulkCommandWithAnEmptyArgument() {
        XCTAssertEqual(frames("*3\r\n$8\r\nSENTINEL\r\n$10\r\nget-master\r\n$0\r\n\r\n"), [.command("SENTINEL", "get-master", "")])
    }

    func testMultibulkArgumentsAreBinarySafe() {
        XCTAssertEqual(frames(Array("*1\r\n$5\r\n".utf8) + [0, 13, 10, 255, 32] + Array("\r\n".utf8)), [.command([[0, 13, 10, 255, 32]])])
    }

    func testInlineCommandsEndWithCRLFOrABareNewline() {
        XCTAssertEqual(frames("PING\r\nINFO  server\n  ECHO\tx  \r\n"), [.command("PING"), .command("INFO", "server"), .command("ECHO", "x")])
        XCTAssertEqual(frames("ECHO a\r\r\n"), [.command("ECHO", "a")], "one \\r before the newline is the line end, another a blank")
        XCTAssertEqual(frames("PING\rPING\n"), [.command("PING", "PING")], "a lone \\r separates words")
    }

    func testInlineQuotesAndEscapes() {
        XCTAssertEqual(frames("SET \"a b\\n\\x41\" 'it\\'s'\r\n"), [.command("SET", "a b\nA", "it's")])
        XCTAssertEqual(frames("SET \"a b\\n\\r\\t\\b\\a\\\\\\\"\\x41\\x4a\" 'it\\'s \"x\"'\r\n"),
                       [.command("SET", "a b\n\r\t\u{8}\u{7}\\\"AJ", "it's \"x\"")])
        XCTAssertEqual(frames("ECHO \"\\xZZ\\q\"\r\n"), [.command("ECHO", "xZZq")], "a bad hex escape is a plain escaped character")
        XCTAssertEqual(frames("ECHO \"a\\x4\"\r\n"), [.command("ECHO", "ax4")], "a short hex escape too")
        XCTAssertEqual(frames("ECHO \\x41\r\n"), [.command("ECHO", "\\x41")], "escapes work only inside double quotes")
        XCTAssertEqual(frames("ECHO 'a\\nb'\r\n"), [.command("ECHO", "a\\nb")], "single quotes keep backslashes")
        XCTAssertEqual(frames("ECHO a\"b c\" d\r\n"), [.command("ECHO", "ab c", "d")], "a quote may open inside a word")
        XCTAssertEqual(frames("ECHO \"\" ''\r\n"), [.command("ECHO", "", "")])
        XCTAssertEqual(frames("ECHO \"a\"\tb\r\n"), [.command("ECHO", "a", "b")], "any blank may follow a closing quote")
    }

    func testUnbalancedQuotes() {
        let unbalanced: [RESPRequestFrame] = [.redisError("unbalanced quotes in request")]
        XCTAssertEqual(frames("SET \"a b\r\n"), unbalanced)
        XCTAssertEqual(frames("SET 'a b\r\n"), unbalanced)
        XCTAssertEqual(frames("SET \"a\"b\r\n"), unbalanced, "a closing quote must be followed by a blank")
        XCTAssertEqual(frames("SET 'a'b\r\n"), unbalanced)
        XCTAssertEqual(frames("SET \"a\\\"\r\n"), unbalanced, "an escaped quote does not close")
        XCTAssertEqual(frames("SET \"x\\\r\n"), unbalanced, "nor does a backslash at the end")
    }

    /// Redis finds line ends with strchr, which stops at a NUL byte: a line with a NUL before its end
    /// never ends, however many line ends follow, until it outgrows the inline limit.
    func testALineWithANulByteWaitsUntilItIsTooBig() {
        func bytes(_ before: String, _ after: String) -> [UInt8] { Array(before.utf8) + [0] + Array(after.utf8) }
        XCTAssertEqual(frames(bytes("ECHO a", " ignored\r\nPING\r\n")), [])
        XCTAssertEqual(frames(bytes("", "PING\r\n")), [])
        XCTAssertEqual(frames(bytes("PING\r\nECHO a", "\r\n")), [.command("PING")])
        XCTAssertEqual(frames(bytes("*1", "\r\n$4\r\nPING\r\n")), [])
        XCTAssertEqual(frames(bytes("*1\r\n", "$4\r\nPING\r\n")), [], "not \"expected '$'\": the line has not ended")
        XCTAssertEqual(frames(bytes("*1\r\n$4", "\r\nPING\r\n")), [])
        XCTAssertEqual(frames(bytes("*2\r\n$4\r\nECHO\r\n$3\r\na", "b\r\n")), [.command([Array("ECHO".utf8), [97, 0, 98]])],
                       "arguments are read by their length")
        let padding = "\r\n" + String(repeating: "x", count: 70_000)
        XCTAssertEqual(frames(bytes("ECHO a", padding)), [.redisError("too big inline request")])
        XCTAssertEqual(frames(bytes("*1", padding)), [.redisError("too big mbulk count string")])
        XCTAssertEqual(frames(bytes("*1\r\n$4", padding)), [.redisError("too big bulk count string")])
    }

    /// Held on a NUL, a line dripped a byte at a time costs a step per byte, and the limit still holds.
    func testDripFedLineAfterANulByteIsSearchedOnce() {
        var parser = RESPRequestParser(limits: RESPRequestLimits(maxInlineBytes: 4_096))
        var buffer = ByteBuffer(bytes: Array("ECHO".utf8) + [0])
        var frame: RESPRequestFrame?
        var sent = buffer.readableBytes
        while frame == nil && sent < 5_000 {
            buffer.writeString(sent % 2 == 0 ? "\n" : "x")
            sent += 1
            frame = parser.next(from: &buffer)
        }
        XCTAssertEqual(frame, .redisError("too big inline request"))
        XCTAssertLessThanOrEqual(parser.bytesExamined, 2 * sent)
    }

    func testEmptyLinesAndEmptyMultibulksAreSkipped() {
        XCTAssertEqual(frames("\r\n\n   \r\n*0\r\n*-1\r\n*-7\r\nPING\r\n"), [.command("PING")])
    }

    func testDripFedBytesGiveTheSameFrames() {
        let text = "*3\r\n$8\r\nSENTINEL\r\n$6\r\nMASTER\r\n$8\r\nmymaster\r\nPING\r\n\r\n*1\r\n$4\r\nROLE\r\nECHO \"a b\"\n"
        var parser = RESPRequestParser()
        var buffer = ByteBuffer()
        var result: [RESPRequestFrame] = []
        for byte in text.utf8 {
            buffer.writeInteger(byte)
            while let frame = parser.next(from: &buffer) { result.append(frame) }
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
        let errors: [(request: String, message: String)] = [
            ("*x\r\n", "invalid multibulk length"), ("*\r\n", "invalid multibulk length"), ("*1 \r\n", "invalid multibulk length"),
            ("*2147483648\r\n", "invalid multibulk length"), // above INT_MAX
            ("*3000000000\r\n", "invalid multibulk length"),
            ("*99999999999999999999\r\n", "invalid multibulk length"), // beyond Int64
            ("*1\r\nx$4\r\n", "expected '$', got 'x'"), ("*1\r\n $4\r\n", "expected '$', got ' '"),
            ("*2\r\n$4\r\nECHO\r\n:1\r\n", "expected '$', got ':'"),
            ("*1\r\n$-3\r\n", "invalid bulk length"),
            ("*1\r\n$-1\r\n", "invalid bulk length"), // clients may not send nil
            ("*1\r\n$\r\n", "invalid bulk length"),
            ("*1\r\n$536870913\r\n", "invalid bulk length"), // above proto-max-bulk-len
            ("*1\r\n$999999999999\r\n", "invalid bulk length"),
        ]
        for (request, message) in errors {
            XCTAssertEqual(frames(request), [.redisError(message)], request.debugDescription)
        }
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
        XCTAssertEqual(frames("*2147483648\r\n", authenticated: false), [.redisError("invalid multibulk length")],
                       "the general limit is checked first")
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

    /// The 200,000-argument request of issue 12, in miniature: sent a byte at a time, each byte is
    /// examined a bounded number of times, and what has been parsed leaves the buffer.
    func testDripFedHugeRequestIsParsedInLinearWork() {
        let count = 10_000
        var text = "*\(count + 1)\r\n$4\r\nPING\r\n"
        for index in 0..<count { text += "$\(String(index).utf8.count)\r\n\(index)\r\n" }
        let bytes = Array(text.utf8)
        var parser = RESPRequestParser()
        var buffer = ByteBuffer()
        var frames: [RESPRequestFrame] = []
        var largestHeld = 0
        for byte in bytes {
            buffer.writeInteger(byte)
            if let frame = parser.next(from: &buffer) { frames.append(frame) }
            largestHeld = max(largestHeld, buffer.readableBytes)
        }
        XCTAssertEqual(frames, [.command([Array("PING".utf8)] + (0..<count).map { Array(String($0).utf8) })])
        XCTAssertLessThanOrEqual(parser.bytesExamined, 2 * bytes.count, "parse work grows faster than the input")
        XCTAssertLessThan(largestHeld, 16, "parsed bytes stay in the buffer")
        XCTAssertEqual(buffer.readableBytes, 0)
    }

    /// However the same bytes are split, the frames and the work are the same within the bound.
    func testEverySplitGivesTheSameFramesInBoundedWork() {
        let text = "*3\r\n$8\r\nSENTINEL\r\n$6\r\nMASTER\r\n$8\r\nmymaster\r\nPING\r\n\r\nINFO  server\n*0\r\n*1\r\n$4\r\nROLE\r\n"
        let bytes = Array(text.utf8)
        let expected: [RESPRequestFrame] = [.command("SENTINEL", "MASTER", "mymaster"), .command("PING"), .command("INFO", "server"), .command("ROLE")]
        var seed: UInt64 = 7
        for chunk in [1, 2, 3, 5, 8, 13, 64, 0] {
            var parser = RESPRequestParser()
            var buffer = ByteBuffer()
            var result: [RESPRequestFrame] = []
            var offset = 0
            while offset < bytes.count {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                let size = chunk == 0 ? 1 + Int(seed >> 60) : chunk
                buffer.writeBytes(bytes[offset..<min(offset + size, bytes.count)])
                offset += size
                while let frame = parser.next(from: &buffer) { result.append(frame) }
            }
            XCTAssertEqual(result, expected, "chunks of \(chunk)")
            XCTAssertLessThanOrEqual(parser.bytesExamined, 2 * bytes.count, "chunks of \(chunk)")
        }
    }

    func testManyRequestsInOneBuffer() {
        var text = ""
        for index in 0..<1_000 { text += index % 2 == 0 ? "*2\r\n$4\r\nPING\r\n$\(String(index).utf8.count)\r\n\(index)\r\n" : "PING \(index)\r\n" }
        var parser = RESPRequestParser()
        var buffer = ByteBuffer(string: text)
        var result: [RESPRequestFrame] = []
        for _ in 0..<2_000 {
            guard let frame = parser.next(from: &buffer) else { break }
            result.append(frame)
        }
        XCTAssertEqual(result, (0..<1_000).map { .command("PING", String($0)) })
        XCTAssertEqual(buffer.readableBytes, 0)
    }

    /// Header lines dripped without their end are searched once each, and the limits still hold.
    func testDripFedLongHeaderLinesAreSearchedOnceAndStillLimited() {
        for (prefix, message) in [("*", "too big mbulk count string"), ("*1\r\n$", "too big bulk count string"), ("", "too big inline request")] {
            var parser = RESPRequestParser(limits: RESPRequestLimits(maxInlineBytes: 4_096))
            var buffer = ByteBuffer(string: prefix)
            var frame: RESPRequestFrame?
            var sent = prefix.utf8.count
            while frame == nil && sent < 5_000 {
                buffer.writeInteger(UInt8(ascii: "1"))
                sent += 1
                frame = parser.next(from: &buffer)
            }
            XCTAssertEqual(frame, .protocolError("Protocol error: " + message))
            XCTAssertLessThanOrEqual(parser.bytesExamined, 2 * sent, message)
        }
    }

    /// Arguments already parsed are out of the buffer but still count against the query buffer limit.
    func testQueryBufferLimitCountsArgumentsAlreadyParsed() {
        var limits = RESPRequestLimits()
        limits.maxQueryBufferBytes = 1_000
        var parser = RESPRequestParser(limits: limits)
        var buffer = ByteBuffer(string: "*5\r\n")
        var frame: RESPRequestFrame?
        for _ in 0..<4 where frame == nil {
            buffer.writeString("$300\r\n" + String(repeating: "x", count: 300) + "\r\n")
            frame = parser.next(from: &buffer)
            XCTAssertLessThan(buffer.readableBytes, 400)
        }
        XCTAssertEqual(frame, .queryBufferLimitExceeded)
    }

    /// Redis's string2ll: no '+', no leading zeros, no "-0".
    func testCountsAndLengthsAreReadAsRedisReadsThem() {
        for text in ["*+1\r\n", "*01\r\n", "*-0\r\n"] {
            XCTAssertEqual(frames(text + "$4\r\nPING\r\n"), [.protocolError("Protocol error: invalid multibulk length")], text)
        }
        for text in ["$04\r\n", "$+4\r\n", "$-0\r\n"] {
            XCTAssertEqual(frames("*1\r\n" + text + "PING\r\n"), [.protocolError("Protocol error: invalid bulk length")], text)
        }
        XCTAssertEqual(frames("*1\r\n$0\r\n\r\n*-1\r\nPING\r\n"), [.command([[]]), .command("PING")])
        // As in Redis, the two bytes after a bulk or a header's '\r' are skipped unread.
        XCTAssertEqual(frames("*1\r\r$4\r\nPINGxx"), [.command("PING")])
    }
}

/// The small requests offered where they lie (`offerSmallRequest`): whatever bytes come, a request
/// offered is exactly the one `next(from:)` reads from them, and one not offered is left untouched.
final class SmallRequestOfferTests: XCTestCase {
    /// Offers the buffer's first request; returns the arguments offered (nil if none) and what was consumed.
    func offer(_ bytes: [UInt8], take: Bool = true, authenticated: Bool = true,
               limits: RESPRequestLimits = .redisDefaults) -> (arguments: [[UInt8]]?, consumed: Int) {
        var parser = RESPRequestParser(limits: limits)
        parser.requiresAuthentication = !authenticated
        var buffer = ByteBuffer(bytes: bytes)
        var seen: [[UInt8]]?
        _ = parser.offerSmallRequest(in: &buffer) { arguments in
            seen = (0..<arguments.count).map { Array(arguments[$0]) }
            return take
        }
        return (seen, bytes.count - buffer.readableBytes)
    }

    func testPlainRequestsAreOfferedAndConsumedWhenTaken() {
        let lookup = Array("*3\r\n$8\r\nsentinel\r\n$23\r\nget-master-addr-by-name\r\n$8\r\nmymaster\r\n".utf8)
        XCTAssertEqual(offer(lookup + Array("*1\r\n".utf8)).arguments, ["sentinel", "get-master-addr-by-name", "mymaster"].map { Array($0.utf8) })
        XCTAssertEqual(offer(lookup + Array("*1\r\n".utf8)).consumed, lookup.count, "only the first request")
        XCTAssertEqual(offer(lookup, take: false).consumed, 0, "a request not taken stays for the parser")
        XCTAssertEqual(offer(Array("*2\r\n$4\r\nPING\r\n$0\r\n\r\n".utf8)).arguments, [Array("PING".utf8), []])
    }

    func testAnythingElseIsLeftToTheParser() {
        for text in [
            "PING\r\n", "*1\r\n$4\r\nPIN", "*4\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n", "*0\r\n",
            "*1\r\n$04\r\nPING\r\n", "*1\r\n$4\r\nPINGxx", "*1\r\n$-1\r\n", "*1\r\n:4\r\nPING\r\n", "*1\n$4\r\nPING\r\n",
            "*1\r\n$4\rxPING\r\n", "*01\r\n$4\r\nPING\r\n", "*1\r\n$\r\n\r\n",
        ] {
            XCTAssertNil(offer(Array(text.utf8)).arguments, text)
            XCTAssertEqual(offer(Array(text.utf8)).consumed, 0, text)
        }
        let long = "*1\r\n$1025\r\n" + String(repeating: "x", count: 1_025) + "\r\n"
        XCTAssertNil(offer(Array(long.utf8)).arguments, "longer than a master's name is left to the parser")
        var tight = RESPRequestLimits.redisDefaults
        tight.maxBulkBytes = 3
        XCTAssertNil(offer(Array("*1\r\n$4\r\nPING\r\n".utf8), limits: tight).arguments, "past the limit: the parser's error")
        tight = .redisDefaults
        tight.unauthenticatedMaxMultibulkLength = 1
        XCTAssertNil(offer(Array("*2\r\n$4\r\nPING\r\n$1\r\nx\r\n".utf8), authenticated: false, limits: tight).arguments)
        XCTAssertNotNil(offer(Array("*2\r\n$4\r\nPING\r\n$1\r\nx\r\n".utf8), authenticated: true, limits: tight).arguments)
    }

    /// Seeded mutations of small requests (bytes replaced, dropped, repeated, cut): whenever one is
    /// offered, the parser reads the same arguments from the same bytes and consumes as many.
    func testWhatIsOfferedIsWhatTheParserReads() {
        var generator = SplitMix(seed: 14)
        let bases = ["*3\r\n$8\r\nsentinel\r\n$23\r\nget-master-addr-by-name\r\n$8\r\nmymaster\r\n",
                     "*1\r\n$4\r\nPING\r\n", "*2\r\n$4\r\nPING\r\n$3\r\nabc\r\n", "*3\r\n$1\r\na\r\n$0\r\n\r\n$10\r\n0123456789\r\n"]
        let alphabet = Array("*$\r\n0123456789aP:-+ ".utf8) + [0, 255]
        var offered = 0
        for round in 0..<20_000 {
            var bytes = Array(bases[round % bases.count].utf8)
            for _ in 0..<(1 + Int(generator.next() % 3)) {
                let at = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 4 {
                case 0: bytes[at] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: at)
                default: bytes = Array(bytes.prefix(at))
                }
                if bytes.isEmpty { bytes = [42] }
            }
            let (arguments, consumed) = offer(bytes)
            guard let arguments else { continue }
            offered += 1
            var parser = RESPRequestParser()
            var buffer = ByteBuffer(bytes: bytes)
            XCTAssertEqual(parser.next(from: &buffer), .command(arguments), "\(bytes)")
            XCTAssertEqual(bytes.count - buffer.readableBytes, consumed, "\(bytes)")
        }
        XCTAssertGreaterThan(offered, 500, "enough mutations stay offerable to compare")
    }
}

/// A seeded generator for the mutation tests (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
