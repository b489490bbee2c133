import NIOCore

/// One reply item's own bytes, RESP2 or RESP3: its type line and, for blobs, the payload. Aggregates
/// report how many items follow as their children. Shared by the framing scanner and the decoder,
/// so both agree on what is well formed.
struct RESPReplyItem {
    /// A length or count line is a few digits; no line end within this many bytes means a broken peer.
    static let maxNumberLineBytes = 64
    /// proto-max-bulk-len's default: no Redis node sends a longer string by default, and refusing a
    /// longer length keeps a broken peer from making us buffer without end.
    static let maxBlobBytes = 512 * 1024 * 1024
    /// hiredis's reader refuses aggregates longer than INT_MAX elements.
    static let maxAggregateCount = Int64(Int32.max)

    enum Aggregate { case array, map, set, push, attribute }

    enum Kind {
        case simpleString(ByteBufferView.SubSequence)
        case error(ByteBufferView.SubSequence)
        case integer(Int64)
        case bulkString(ByteBufferView.SubSequence)
        case verbatim(ByteBufferView.SubSequence)
        case null
        case double(Double)
        case boolean(Bool)
        case bigNumber(ByteBufferView.SubSequence)
        case aggregate(Aggregate, count: Int)
    }

    enum Parsed {
        case needMore
        case malformed(String)
        case item(RESPReplyItem)
    }

    var kind: Kind
    /// The index just after this item's own bytes (children not included).
    var end: Int
    /// True for the types only RESP3 has, which Debian 12's hiredis 0.14 cannot read.
    var isRESP3Only: Bool

    /// Items that follow as part of this one: elements, or key and value for each map pair; an
    /// attribute is followed by its pairs and then the value it annotates.
    var childCount: Int {
        switch kind {
        case .aggregate(.map, let count): return count * 2
        case .aggregate(.attribute, let count): return count * 2 + 1
        case .aggregate(_, let count): return count
        default: return 0
        }
    }

    static func parse(_ bytes: ByteBufferView, at start: Int) -> Parsed {
        guard start < bytes.endIndex else { return .needMore }
        let marker = bytes[start]
        let isFreeText = marker == UInt8(ascii: "+") || marker == UInt8(ascii: "-") || marker == UInt8(ascii: "(")
        guard let lineEnd = lineEnd(bytes, from: start + 1) else {
            let waited = bytes.endIndex - start
            return !isFreeText && waited > maxNumberLineBytes ? .malformed("Bad length line: no line end") : .needMore
        }
        let line = bytes[(start + 1)..<lineEnd]
        let next = lineEnd + 2
        func item(_ kind: Kind, resp3: Bool = true) -> Parsed { .item(RESPReplyItem(kind: kind, end: next, isRESP3Only: resp3)) }
        switch marker {
        case UInt8(ascii: "+"): return item(.simpleString(line), resp3: false)
        case UInt8(ascii: "-"): return item(.error(line), resp3: false)
        case UInt8(ascii: ":"):
            guard let value = RedisInteger.parse(line) else { return .malformed("Bad integer value") }
            return item(.integer(value), resp3: false)
        case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
            return blob(bytes, marker: marker, line: line, payloadStart: next)
        case UInt8(ascii: "*"), UInt8(ascii: "%"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "|"):
            return aggregate(marker: marker, line: line, next: next)
        case UInt8(ascii: "_"):
            return line.isEmpty ? item(.null) : .malformed("Bad nil value")
        case UInt8(ascii: ","):
            guard let value = parseDouble(line) else { return .malformed("Bad double value") }
            return item(.double(value))
        case UInt8(ascii: "#"):
            guard line.count == 1, line.first == UInt8(ascii: "t") || line.first == UInt8(ascii: "f") else {
                return .malformed("Bad bool value")
            }
            return item(.boolean(line.first == UInt8(ascii: "t")))
        case UInt8(ascii: "("):
            let digits = line.first == UInt8(ascii: "-") ? line.dropFirst() : line[...]
            guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
                return .malformed("Bad big number value")
            }
            return item(.bigNumber(line))
        default:
            return .malformed("Protocol error, got \(describe(marker)) as reply type byte")
        }
    }

    /// The index of the "\r" of the first "\r\n" at or after `from`; a lone "\r" is part of the line.
    private static func lineEnd(_ bytes: ByteBufferView, from: Int) -> Int? {
        var index = from
        while let carriageReturn = bytes[index...].firstIndex(of: UInt8(ascii: "\r")) {
            guard carriageReturn + 1 < bytes.endIndex else { return nil }
            if bytes[carriageReturn + 1] == UInt8(ascii: "\n") { return carriageReturn }
            index = carriageReturn + 1
        }
        return nil
    }

    private static func blob(_ bytes: ByteBufferView, marker: UInt8, line: ByteBufferView.SubSequence, payloadStart: Int) -> Parsed {
        guard let length = RedisInteger.parse(line), length >= -1, length <= maxBlobBytes else {
            return .malformed("Bad bulk string length")
        }
        if length == -1 {
            guard marker == UInt8(ascii: "$") else { return .malformed("Bad bulk string length") }
            return .item(RESPReplyItem(kind: .null, end: payloadStart, isRESP3Only: false))
        }
        let payloadEnd = payloadStart + Int(length)
        guard bytes.endIndex - payloadStart >= Int(length) + 2 else { return .needMore }
        guard bytes[payloadEnd] == UInt8(ascii: "\r"), bytes[payloadEnd + 1] == UInt8(ascii: "\n") else {
            return .malformed("Bad bulk string terminator")
        }
        let payload = bytes[payloadStart..<payloadEnd]
        let kind: Kind
        switch marker {
        case UInt8(ascii: "$"): kind = .bulkString(payload)
        case UInt8(ascii: "!"): kind = .error(payload)
        default:
            // Verbatim text starts with a three-letter format and a colon, e.g. "txt:".
            guard payload.count >= 4, payload[payloadStart + 3] == UInt8(ascii: ":") else {
                return .malformed("Bad verbatim string format")
            }
            kind = .verbatim(payload.dropFirst(4))
        }
        return .item(RESPReplyItem(kind: kind, end: payloadEnd + 2, isRESP3Only: marker != UInt8(ascii: "$")))
    }

    private static func aggregate(marker: UInt8, line: ByteBufferView.SubSequence, next: Int) -> Parsed {
        guard let count = RedisInteger.parse(line), count >= -1, count <= maxAggregateCount else {
            return .malformed("Bad multi-bulk length")
        }
        if count == -1 {
            guard marker == UInt8(ascii: "*") else { return .malformed("Bad multi-bulk length") }
            return .item(RESPReplyItem(kind: .null, end: next, isRESP3Only: false))
        }
        let kind: Aggregate
        switch marker {
        case UInt8(ascii: "*"): kind = .array
        case UInt8(ascii: "%"): kind = .map
        case UInt8(ascii: "~"): kind = .set
        case UInt8(ascii: ">"): kind = .push
        default: kind = .attribute
        }
        return .item(RESPReplyItem(kind: .aggregate(kind, count: Int(count)), end: next, isRESP3Only: kind != .array))
    }

    /// RESP3 doubles: a decimal or exponent number, "inf", "-inf" or "nan".
    private static func parseDouble(_ line: ByteBufferView.SubSequence) -> Double? {
        guard !line.isEmpty, line.count <= maxNumberLineBytes else { return nil }
        let text = String(decoding: line, as: UTF8.self)
        switch text {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "-nan": return .nan
        default:
            let allowed = Set("0123456789+-.eE".utf8)
            guard line.allSatisfy({ allowed.contains($0) }) else { return nil }
            return Double(text)
        }
    }

    /// hiredis's way of naming a byte in its message: printable in quotes, else \xHH.
    private static func describe(_ byte: UInt8) -> String {
        if (32..<127).contains(byte) { return "\"\(Character(Unicode.Scalar(byte)))\"" }
        let hex = String(byte, radix: 16)
        return "\"\\x\(hex.count == 1 ? "0" + hex : hex)\""
    }
}
