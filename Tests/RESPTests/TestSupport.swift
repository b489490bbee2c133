import NIOCore
import RESP

/// SplitMix64: a seeded generator, so every fuzz run is the same run and a failure replays exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

extension RESPRequestFrame {
    static func command(_ words: String...) -> RESPRequestFrame { .command(words.map { Array($0.utf8) }) }
    static func redisError(_ message: String) -> RESPRequestFrame { .protocolError("Protocol error: " + message) }
}

extension RESPValue {
    func encoded(_ version: RESPProtocolVersion) -> String {
        var buffer = ByteBuffer()
        write(to: &buffer, protocolVersion: version)
        return String(buffer: buffer)
    }
}
