/// The C number parsers Redis uses on config arguments, reproduced because their leniency is
/// observable: `atoi("6379x")` is 6379 and `atoi("abc")` is 0. Range checks stay with the callers.
enum CNumbers {
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 32 || (9...13).contains(byte) }

    /// Sign and magnitude of the leading decimal digits after spaces, as strtol and strtoull see
    /// them; the magnitude saturates at UInt64.max.
    private static func leadingDigits(_ text: String) -> (negative: Bool, magnitude: UInt64) {
        var bytes = text.utf8[...]
        while let first = bytes.first, isSpace(first) { bytes = bytes.dropFirst() }
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var magnitude: UInt64 = 0
        for byte in bytes {
            guard (48...57).contains(byte) else { break }
            let (times, overflowTimes) = magnitude.multipliedReportingOverflow(by: 10)
            let (plus, overflowPlus) = times.addingReportingOverflow(UInt64(byte - 48))
            if overflowTimes || overflowPlus { return (negative, .max) }
            magnitude = plus
        }
        return (negative, magnitude)
    }

    /// strtoll: the leading number, saturated at Int64's ends; 0 when there are no digits.
    static func strtoll(_ text: String) -> Int64 {
        let (negative, magnitude) = leadingDigits(text)
        if negative { return magnitude > UInt64(Int64.max) ? .min : -Int64(magnitude) }
        return magnitude > UInt64(Int64.max) ? .max : Int64(magnitude)
    }

    /// glibc's atoi: `(int) strtol(text, NULL, 10)`; strtol saturates, the cast truncates.
    static func atoi(_ text: String) -> Int {
        Int(Int32(truncatingIfNeeded: strtoll(text)))
    }

    /// strtoull: a leading minus negates modulo 2^64; overflow gives UInt64.max.
    static func strtoull(_ text: String) -> UInt64 {
        let (negative, magnitude) = leadingDigits(text)
        return negative && magnitude != .max ? 0 &- magnitude : magnitude
    }

    /// Redis's strict string2ll: "0", or an optional '-' then digits without a leading zero; no
    /// spaces, no '+', nothing after the digits.
    static func string2ll(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        if bytes == [UInt8(ascii: "0")] { return 0 }
        let magnitude = bytes.first == UInt8(ascii: "-") ? bytes.dropFirst() : bytes[...]
        guard let lead = magnitude.first, (49...57).contains(lead), magnitude.allSatisfy({ (48...57).contains($0) }) else {
            return nil
        }
        return Int64(text)
    }
}
