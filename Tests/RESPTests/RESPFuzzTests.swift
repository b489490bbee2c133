import NIOCore
import RESP
import SentinelCore
import XCTest

/// Seeded, deterministic fuzzing of the request parser: thousands of valid, truncated and corrupted
/// streams fed in random pieces. A failure names its round; rerunning replays it exactly.
final class RESPFuzzTests: XCTestCase {
    /// Each round parses its stream three ways, one of them a byte at a time: 1,000 take a few seconds
    /// in a debug build.
    static let streamRounds = 1_000
    static let fuzzLimits = RESPRequestLimits(maxQueryBufferBytes: 4_096, maxInlineBytes: 512, maxBulkBytes: 1_024)
    static let documentedErrors: Set<String> = [
        "too big inline request", "unbalanced quotes in request", "too big mbulk count string", "invalid multibulk length",
        "unauthenticated multibulk length", "too big bulk count string", "invalid bulk length", "unauthenticated bulk length",
    ]
    /// Bytes that matter to the protocol, used to corrupt streams where it hurts.
    static let interestingBytes = Array("*$\r\n\"'\\ x0123456789-+:".utf8) + [0, 255]

    func randomCommand(_ random: inout SplitMix64) -> (arguments: [[UInt8]], bytes: [UInt8]) {
        let count = Int.random(in: 1...6, using: &random)
        if Bool.random(using: &random) {
            let arguments = (0..<count).map { _ in
                (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            var bytes = Array("*\(count)\r\n".utf8)
            for argument in arguments { bytes += Array("$\(argument.count)\r\n".utf8) + argument + [13, 10] }
            return (arguments, bytes)
        }
        let alphabet = Array("abcXYZ019_-:".utf8)
        let arguments = (0..<count).map { _ in (0..<Int.random(in: 1...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! } }
        let line = arguments.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
        return (arguments, Array(line.utf8) + (Bool.random(using: &random) ? [13, 10] : [10]))
    }

    func corrupt(_ stream: inout [UInt8], _ random: inout SplitMix64) {
        for _ in 0..<Int.random(in: 1...4, using: &random) where !stream.isEmpty {
            let position = Int.random(in: 0..<stream.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: stream[position] = Self.interestingBytes.randomElement(using: &random)!
            case 1: stream[position] = UInt8.random(in: 0...255, using: &random)
            case 2: stream.insert(contentsOf: Array("*\(Int.random(in: -2...99_999, using: &random))\r\n".utf8), at: position)
            default: stream.removeSubrange(position..<min(stream.count, position + Int.random(in: 1...8, using: &random)))
            }
        }
    }

    /// Feeds `stream` in random pieces; checks each frame and the bound on what stays buffered.
    func parse(_ stream: [UInt8], piece: ClosedRange<Int>, unauthenticated: Bool, _ random: inout SplitMix64,
               round: Int) -> [RESPRequestFrame] {
        var parser = RESPRequestParser(limits: Self.fuzzLimits)
        parser.requiresAuthentication = unauthenticated
        var buffer = ByteBuffer()
        var frames: [RESPRequestFrame] = []
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + Int.random(in: piece, using: &random))
            buffer.writeBytes(stream[offset..<end])
            offset = end
            // Each frame consumes bytes or ends parsing, so this is bounded by the stream's length.
            while let frame = parser.next(from: &buffer) {
                frames.append(frame)
                switch frame {
                case .command(let arguments):
                    XCTAssertFalse(arguments.isEmpty, "round \(round)")
                    continue
                case .protocolError(let message):
                    let text = message.dropFirst("Protocol error: ".count)
                    XCTAssertTrue(message.hasPrefix("Protocol error: "), "round \(round): \(message)")
                    XCTAssertTrue(Self.documentedErrors.contains(String(text)) || text.hasPrefix("expected '$', got '"),
                                  "round \(round): \(message)")
                case .queryBufferLimitExceeded: break
                }
                return frames
            }
            XCTAssertLessThanOrEqual(buffer.readableBytes, Self.fuzzLimits.maxQueryBufferBytes, "round \(round)")
        }
        return frames
    }

    func testFuzzedRequestStreams() {
        var random = SplitMix64(seed: 0x5EED_0001)
        for round in 0..<Self.streamRounds {
            let commands = (0..<Int.random(in: 1...8, using: &random)).map { _ in randomCommand(&random) }
            var stream = commands.flatMap(\.bytes)
            let corrupted = round % 2 == 1
            if corrupted { corrupt(&stream, &random) }
            let unauthenticated = round % 5 == 0
            let dripped = parse(stream, piece: 1...1, unauthenticated: unauthenticated, &random, round: round)
            let chunked = parse(stream, piece: 1...200, unauthenticated: unauthenticated, &random, round: round)
            let whole = parse(stream, piece: stream.count...stream.count, unauthenticated: unauthenticated, &random, round: round)
            if !corrupted && !unauthenticated {
                XCTAssertEqual(whole, commands.map { .command($0.arguments) }, "round \(round)")
            }
            // Size-triggered failures depend on how bytes arrive, as in Redis; everything else must not.
            let sizeDependent: Set<RESPRequestFrame> = [
                .queryBufferLimitExceeded, .redisError("too big inline request"),
                .redisError("too big mbulk count string"), .redisError("too big bulk count string"),
            ]
            if !(dripped + chunked + whole).contains(where: sizeDependent.contains) {
                XCTAssertEqual(dripped, whole, "round \(round)")
                XCTAssertEqual(chunked, whole, "round \(round)")
            }
        }
    }

    func testRandomBytesNeverCrashTheParser() {
        var random = SplitMix64(seed: 0x5EED_0002)
        for round in 0..<3_000 {
            let stream = (0..<Int.random(in: 1...600, using: &random)).map { _ in
                Bool.random(using: &random) ? Self.interestingBytes.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            }
            _ = parse(stream, piece: 1...64, unauthenticated: round % 3 == 0, &random, round: round)
        }
    }

    /// Streams glued from pieces of requests (headers, quotes, escapes, huge numbers): only commands
    /// or Redis's documented errors, and never more buffered than the limits allow.
    func testPiecesOfRequestsGiveOnlyCommandsOrRedisErrors() {
        var random = SplitMix64(seed: 0x5EED_0003)
        let pieces = ["*", "$", "\r\n", "\n", "1", "2", "-1", "PING", "\"", "'", " ", "\\x4", "99999999999", "*3\r\n", "$4\r\nPING\r\n"]
        for round in 0..<5_000 {
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &random) { stream += Array(pieces.randomElement(using: &random)!.utf8) }
            if Int.random(in: 0..<4, using: &random) == 0 {
                stream += (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            _ = parse(stream, piece: stream.count...stream.count, unauthenticated: round % 3 == 0, &random, round: round)
        }
    }

    /// The slow many-argument request of issue 12 (100,000 arguments here, half its size, to stay
    /// fast in debug builds), arriving 100 bytes at a time: each byte is examined a bounded number
    /// of times, so 7,000 reads cost no more than one.
    func testSlowManyArgumentRequestIsParsedInLinearWork() {
        let argumentCount = 100_000
        let stream = Array("*\(argumentCount)\r\n".utf8) + Array(repeating: Array("$1\r\na\r\n".utf8), count: argumentCount).joined()
        var parser = RESPRequestParser()
        var buffer = ByteBuffer()
        var result: RESPRequestFrame?
        for start in stride(from: 0, to: stream.count, by: 100) {
            buffer.writeBytes(stream[start..<min(stream.count, start + 100)])
            if let frame = parser.next(from: &buffer) { result = frame }
        }
        guard case .command(let arguments) = result else { return XCTFail("no command: \(String(describing: result))") }
        XCTAssertEqual(arguments.count, argumentCount)
        XCTAssertLessThanOrEqual(parser.bytesExamined, 2 * stream.count, "parse work grows faster than the input")
    }
}
