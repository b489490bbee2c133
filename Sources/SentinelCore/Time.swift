/// A point on a monotonic clock, in milliseconds. The core never reads a clock: the shell (or the
/// simulator) passes `Instant`s in.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public static let zero = Instant(milliseconds: 0)
    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.milliseconds < rhs.milliseconds }
    // Saturating: durations come from configuration and peers, and a sum past Int64's end must not trap.
    public static func + (lhs: Instant, rhs: Int64) -> Instant { Instant(milliseconds: lhs.milliseconds.addingSaturated(rhs)) }
    public static func - (lhs: Instant, rhs: Instant) -> Int64 { lhs.milliseconds.subtractingSaturated(rhs.milliseconds) }
    public var description: String { "\(milliseconds)ms" }
}

/// SplitMix64: small, fast and good enough for jitter. Seeded, so a run replays exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A value in 0..<bound.
    public mutating func below(_ bound: Int64) -> Int64 {
        precondition(bound > 0, "SplitMix64.below needs a positive bound")
        return Int64(next() % UInt64(bound))
    }
    /// 40 lower-case hex characters, the shape of a Redis run id or sentinel myid.
    public mutating func hexIdentifier(length: Int = 40) -> String {
        let digits = Array("0123456789abcdef")
        var result = ""
        result.reserveCapacity(length)
        for _ in 0..<length { result.append(digits[Int(next() & 15)]) }
        return result
    }
}
