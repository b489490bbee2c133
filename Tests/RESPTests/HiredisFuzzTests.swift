import NIOCore
import RESP
import SentinelCore
import XCTest

/// Seeded fuzzing of the reply reader: random replies encoded as Redis sends them (RESP2) must read
/// back exactly in any split; truncated streams must wait; corrupted streams must give values or a
/// HiredisProtocolError, never a crash. A failure names its round; rerunning replays it exactly.
final class HiredisFuzzTests: XCTestCase {
    static let rounds = 2_000
    static let maxDepth = 4

    func randomText(_ random: inout SplitMix64) -> String {
        let alphabet = Array("abc XYZ:_-0189é")
        return String((0..<Int.random(in: 0...10, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
    }

    func randomValue(_ random: inout SplitMix64, depth: Int = 0) -> RESPValue {
        let leafKinds = 8
        let kind = Int.random(in: 0..<(depth < Self.maxDepth ? leafKinds + 4 : leafKinds), using: &random)
        func children() -> [RESPValue] {
            (0..<Int.random(in: 0...4, using: &random)).map { _ in randomValue(&random, depth: depth + 1) }
        }
        switch kind {
        case 0: return .simpleString(randomText(&random))
        case 1: return .error("ERR " + randomText(&random))
        case 2: return .integer(Int64.random(in: .min ... .max, using: &random))
        case 3: return .bulkString((0..<Int.random(in: 0...30, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
        case 4: return .null
        case 5: return .nullArray
        case 6: return .verbatim(randomText(&random))
        case 7: return .integer(Int64.random(in: -3...3, using: &random))
        case 8: return .array(children())
        case 9:
            let pairs = children()
            return .map(pairs + pairs.prefix(pairs.count % 2))
        case 10: return .set(children())
        default: return .push(children())
        }
    }

    /// What the reader returns for `value` sent in RESP2: hiredis reads both nils as one, and the
    /// RESP3 kinds arrive as the plainer types RESP2 sends them as.
    func expected(_ value: RESPValue) -> RESPValue {
        switch value {
        case .nullArray: return .null
        case .array(let items), .map(let items), .set(let items), .push(let items): return .array(items.map(expected))
        case .verbatim(let text): return .bulk(text)
        default: return value
        }
    }

    /// Feeds `bytes` in random pieces and reads every reply.
    func read(_ bytes: [UInt8], _ random: inout SplitMix64) throws -> [RESPValue] {
        let reader = HiredisReplyReader()
        var values: [RESPValue] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + Int.random(in: 1...50, using: &random))
            reader.feed(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
            // Each reply consumes bytes, so this ends.
            while let value = try reader.next() { values.append(value) }
        }
        return values
    }

    func testRandomRepliesReadBackInAnySplit() throws {
        var random = SplitMix64(seed: 0xFEED_0001)
        for round in 0..<Self.rounds {
            let values = (0..<Int.random(in: 1...6, using: &random)).map { _ in randomValue(&random) }
            var buffer = ByteBuffer()
            for value in values { value.write(to: &buffer, protocolVersion: .resp2) }
            let bytes = Array(buffer.readableBytesView)
            XCTAssertEqual(try read(bytes, &random), values.map(expected), "round \(round)")

            // A truncated stream gives the replies that are complete and then waits.
            let cut = Int.random(in: 0..<bytes.count, using: &random)
            let partial = try read(Array(bytes[..<cut]), &random)
            XCTAssertLessThan(partial.count, values.count, "round \(round)")
            XCTAssertEqual(partial, Array(values.prefix(partial.count).map(expected)), "round \(round)")
        }
    }

    func testCorruptedRepliesGiveValuesOrAProtocolError() {
        var random = SplitMix64(seed: 0xFEED_0002)
        let interesting = Array("*$%~>|=!_,#(+-:\r\n0123456789-?".utf8)
        var failures = 0
        for round in 0..<Self.rounds {
            var buffer = ByteBuffer()
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                randomValue(&random).write(to: &buffer, protocolVersion: .resp2)
            }
            var bytes = Array(buffer.readableBytesView)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                bytes[position] = Bool.random(using: &random)
                    ? interesting.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            }
            do {
                _ = try read(bytes, &random)
            } catch {
                XCTAssertTrue(error is HiredisProtocolError, "round \(round): \(error)")
                failures += 1
            }
        }
        XCTAssertGreaterThan(failures, Self.rounds / 10, "corruption is noticed")
    }
}
