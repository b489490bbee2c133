/// The C number parsers Redis uses on config arguments, reproduced because their leniency is
/// observable: `atoi("6379x")` is 6379 and `atoi("abc")` is 0, so "Invalid port number." only
/// appears for values outside 0...65535.
enum CNumbers {
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 32 || (9...13).contains(byte) }

    /// Sign and magnitude of the leading decimal digits, as strtol/strtoull see them;
    /// the magnitude saturates at UInt64.max.
    private static func leadingDigits(_ text: String) -> (negative: Bool, magnitude: UInt64, overflow: Bool) {
        var bytes = text.utf8[...]
        while let first = bytes.first, isSpace(first) { bytes = bytes.dropFirst() }
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var magnitude: UInt64 = 0
        var overflow = false
        for byte in bytes {
            guard (48...57).contains(byte) else { break }
            let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(UInt64(byte - 48))
            if o1 || o2 { overflow = true }
            magnitude = overflow ? UInt64.max : plus
        }
        return (negative, magnitude, overflow)
    }

    /// glibc's atoi: `(int) strtol(text, NULL, 10)`; strtol saturates, the cast truncates.
    static func atoi(_ text: String) -> Int {
        let (negative, magnitude, overflow) = leadingDigits(text)
        let long: Int64
        if negative {
            long = overflow || magnitude > UInt64(Int64.max) + 1 ? Int64.min : Int64(truncatingIfNeeded: 0 &- magnitude)
        } else {
            long = overflow || magnitude > UInt64(Int64.max) ? Int64.max : Int64(magnitude)
        }
        return Int(Int32(truncatingIfNeeded: long))
    }

    /// strtoull: a leading minus negates modulo 2^64; overflow gives UInt64.max.
    static func strtoull(_ text: String) -> UInt64 {
        let (negative, magnitude, overflow) = leadingDigits(text)
        if overflow { return UInt64.max }
        return negative ? 0 &- magnitude : magnitude
    }

    /// An epoch as the model holds it (Int64); Redis keeps it unsigned, so larger values clamp.
    static func epoch(_ text: String) -> Int64 {
        Int64(clamping: strtoull(text))
    }

    /// Redis's strict string2ll: optional '-', no leading zeros, no spaces, no '+'.
    static func string2ll(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        if bytes == [48] { return 0 }
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative { bytes.removeFirst() }
        guard let first = bytes.first, (49...57).contains(first), bytes.allSatisfy({ (48...57).contains($0) }) else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times.subtractingReportingOverflow(Int64(byte - 48)) : times.addingReportingOverflow(Int64(byte - 48))
            guard !o1 && !o2 else { return nil }
            value = next
        }
        return value
    }
}
