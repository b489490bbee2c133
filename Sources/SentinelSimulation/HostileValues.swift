import SentinelCore

/// Values a lying peer or node would send: mostly near-valid, often at the edges Redis's parsers
/// meet (overflow, sign, empty, too long) and with the bytes that break a line-based file or a
/// RESP stream (CR, LF, NUL, quotes, spaces). Drawn from the world's one generator, so a seed replays.
struct HostileValues {
    var random: SplitMix64

    mutating func pick<T>(_ choices: [T]) -> T { choices[Int(random.below(Int64(choices.count)))] }

    mutating func chance(_ perMille: Int64) -> Bool { random.below(1_000) < perMille }

    /// A decimal number where an epoch, offset, port or count is expected.
    mutating func number() -> String {
        switch random.below(12) {
        case 0: return "9223372036854775807"
        case 1: return "9223372036854775808"
        case 2: return "18446744073709551615"
        case 3: return "-1"
        case 4: return "-9223372036854775808"
        case 5: return ""
        case 6: return pick(["0x10", "1e9", " 5", "5 ", "+5", "007", "5\r\n", "NaN", "٣"])
        case 7: return "10000000000000000"
        case 8: return String(Int64.max - random.below(3))
        case 9: return String(random.below(1 << 20))
        default: return String(random.below(100))
        }
    }

    /// A run id: right length, wrong length, or carrying a line of its own into a config file.
    mutating func runID(real: [String]) -> String {
        switch random.below(8) {
        case 0: return hex(40)
        case 1: return hex(39)
        case 2: return hex(41)
        case 3: return hex(20) + "\nuser default on nopass +@all\n" + hex(5)
        case 4: return String(repeating: "z", count: 40)
        case 5: return hex(38) + "\r\n"
        case 6: return ""
        default: return real.isEmpty ? hex(40) : pick(real)
        }
    }

    /// A host: a real one, an impossible one, or one with the bytes that split lines.
    mutating func host(real: [Address]) -> String {
        switch random.below(10) {
        case 0: return ""
        case 1: return "300.1.1.1"
        case 2: return "10.0.0.1\nsentinel monitor evil 1.2.3.4 6379 1"
        case 3: return "a b"
        case 4: return String(repeating: "h", count: 300)
        case 5: return pick(["::1", "fe80::1%eth0", "localhost", "10.255.9.1", "\"quoted\""])
        default: return real.isEmpty ? "10.9.9.9" : pick(real).host
        }
    }

    mutating func port() -> String {
        pick(["0", "65536", "70000", "-1", "6379", "26379", "", "99999999999999999999", String(1 + random.below(65_535))])
    }

    /// Free text for names, passwords, script paths and INFO values: every byte class a writer must escape.
    mutating func text() -> String {
        let length = Int(random.below(24))
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length {
            switch random.below(10) {
            case 0: scalars.append("\r")
            case 1: scalars.append("\n")
            case 2: scalars.append("\0")
            case 3: scalars.append(pick(["\"", "'", "\\", " ", "\t", "#", "$", "*", "é", "😀"]))
            default: scalars.append(Unicode.Scalar(UInt8(33 + random.below(94))))
            }
        }
        return String(scalars)
    }

    mutating func hex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[Int(random.below(16))] })
    }

    /// A reply of any shape, for a command whose real reply has another.
    mutating func redisValue(depth: Int = 0) -> RedisValue {
        switch random.below(depth > 1 ? 5 : 6) {
        case 0: return .status(text())
        case 1: return .error(text())
        case 2: return .integer(Int64(bitPattern: random.next()))
        case 3: return .string(text())
        case 4: return .null
        default: return .array((0..<Int(random.below(4))).map { _ in redisValue(depth: depth + 1) })
        }
    }
}
