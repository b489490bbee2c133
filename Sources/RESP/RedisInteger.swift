/// Redis's strict integer syntax (string2ll): an optional '-', then "0" alone or a digit 1-9 followed
/// by digits, nothing else, within Int64. "+1", "01", "-0", " 1" and "" are all refused, as Redis does.
enum RedisInteger {
    /// Redis refuses strings of this many bytes or more before looking at them (LONG_STR_SIZE).
    static let maxTextBytes = 20

    static func parse<Bytes: Collection>(_ text: Bytes) -> Int64? where Bytes.Element == UInt8 {
        guard !text.isEmpty, text.count <= maxTextBytes else { return nil }
        var index = text.startIndex
        if text.count == 1 && text[index] == UInt8(ascii: "0") { return 0 }
        let negative = text[index] == UInt8(ascii: "-")
        if negative { index = text.index(after: index) }
        guard index < text.endIndex, (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(text[index]) else { return nil }
        // Accumulate as a negative number so Int64.min fits.
        var value: Int64 = 0
        while index < text.endIndex {
            let byte = text[index]
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdd) = shifted.subtractingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflowShift, !overflowAdd else { return nil }
            value = next
            index = text.index(after: index)
        }
        if negative { return value }
        return value == .min ? nil : -value
    }
}
