import SentinelCore
import XCTest

/// Seeded random damage to a valid file never crashes the parser or the rewrite.
final class ConfigFuzzTests: XCTestCase {
    /// Enough mutated files to reach every directive's error paths, yet run in about a second.
    static let mutationRounds = 4_000
    /// Each file gets between one and this many byte-level edits.
    static let editsPerFileMax: Int64 = 6

    let base = """
        # sentinel
        port 26379
        bind 127.0.0.1 ::1
        loglevel notice
        sentinel monitor mymaster 127.0.0.1 6379 2
        sentinel down-after-milliseconds mymaster 2000
        sentinel auth-pass mymaster "a \\"b\\" \\x41"
        sentinel known-replica mymaster 127.0.0.1 6380
        sentinel known-sentinel mymaster 127.0.0.1 26380 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
        sentinel rename-command mymaster CONFIG 'X\\'Y'
        sentinel myid bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
        sentinel current-epoch 3

        """

    func testRandomlyMutatedFilesEitherParseOrNameALineInTheFile() {
        var random = SplitMix64(seed: 0x5EED_C0F1)
        let original = Array(base.utf8)
        let alphabet = Array(" \"'\\\n\r\tx0-#".utf8)
        var parsed = 0
        for _ in 0..<Self.mutationRounds {
            var bytes = original
            for _ in 0..<(1 + random.below(Self.editsPerFileMax)) {
                let position = Int(random.below(Int64(bytes.count)))
                switch random.below(4) {
                case 0: bytes.remove(at: position)
                case 1: bytes.insert(alphabet[Int(random.below(Int64(alphabet.count)))], at: position)
                case 2: bytes[position] = UInt8(truncatingIfNeeded: random.next())
                default: bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + 12)], at: position)
                }
                if bytes.isEmpty { bytes = original }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let config = try ConfigFile.parse(text)
                parsed += 1
                let rewritten = ConfigFile.rewrite(existing: text, with: config)
                XCTAssertEqual(try? ConfigFile.parse(rewritten), config, "round trip of:\n\(text)")
            } catch {
                let lineCount = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).count
                XCTAssertTrue((1...lineCount).contains(error.line), "line \(error.line) outside the file:\n\(text)")
                XCTAssertFalse(error.reason.isEmpty)
            }
        }
        XCTAssertGreaterThan(parsed, 0, "some mutations still parse, so the round trip is exercised")
        XCTAssertLessThan(parsed, Self.mutationRounds, "some mutations fail, so the error paths are exercised")
    }
}
