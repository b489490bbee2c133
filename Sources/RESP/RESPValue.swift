import NIOCore

/// A RESP2/RESP3 value, as sent to clients or read from Redis nodes.
public indirect enum RESPValue: Hashable, Sendable {
    case simpleString(String)
    /// The whole error line without the leading '-', e.g. "ERR unknown command ...".
    case error(String)
    case integer(Int64)
    case bulkString([UInt8])
    /// RESP2 `$-1`, RESP3 `_`.
    case null
    /// RESP2 `*-1`, RESP3 `_`.
    case nullArray
    case array([RESPValue])
    /// Flat key, value, key, value: RESP3 `%`, RESP2 a flat array.
    case map([RESPValue])
    /// RESP3 `~`, RESP2 a flat array (COMMAND INFO's flags).
    case set([RESPValue])
    /// Verbatim text (`=` with the `txt` format in RESP3, a bulk string in RESP2).
    case verbatim(String)
    case push([RESPValue])

    public static func bulk(_ text: String) -> RESPValue { .bulkString(Array(text.utf8)) }

    public var stringValue: String? {
        switch self {
        case .simpleString(let text), .verbatim(let text): return text
        case .bulkString(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }
}

public enum RESPProtocolVersion: Int, Sendable {
    case resp2 = 2
    case resp3 = 3
}

extension RESPValue {
    public func write(to buffer: inout ByteBuffer, protocolVersion: RESPProtocolVersion) {
        let resp3 = protocolVersion == .resp3
        switch self {
        case .simpleString(let text):
            buffer.writeLine(UInt8(ascii: "+"), RESPValue.oneLine(text, trimmingEnds: false))
        case .error(let text):
            buffer.writeLine(UInt8(ascii: "-"), RESPValue.oneLine(text, trimmingEnds: true))
        case .integer(let number):
            buffer.writeHeader(UInt8(ascii: ":"), Int(number))
        case .bulkString(let bytes):
            buffer.writeRESPBulk(bytes)
        case .null:
            buffer.writeStaticString(resp3 ? "_\r\n" : "$-1\r\n")
        case .nullArray:
            buffer.writeRESPNullArray(protocolVersion: protocolVersion)
        case .array(let items):
            writeAggregate(UInt8(ascii: "*"), items, to: &buffer, protocolVersion)
        case .map(let items):
            if resp3 {
                buffer.writeHeader(UInt8(ascii: "%"), items.count / 2)
                for item in items { item.write(to: &buffer, protocolVersion: protocolVersion) }
            } else {
                writeAggregate(UInt8(ascii: "*"), items, to: &buffer, protocolVersion)
            }
        case .set(let items):
            writeAggregate(UInt8(ascii: resp3 ? "~" : "*"), items, to: &buffer, protocolVersion)
        case .push(let items):
            writeAggregate(UInt8(ascii: resp3 ? ">" : "*"), items, to: &buffer, protocolVersion)
        case .verbatim(let text):
            if resp3 {
                buffer.writeHeader(UInt8(ascii: "="), 4 + text.utf8.count)
                buffer.writeStaticString("txt:")
                buffer.writeString(text)
                buffer.writeStaticString("\r\n")
            } else {
                buffer.writeRESPBulk(utf8: text)
            }
        }
    }

    private func writeAggregate(_ marker: UInt8, _ items: [RESPValue], to buffer: inout ByteBuffer, _ version: RESPProtocolVersion) {
        buffer.writeHeader(marker, items.count)
        for item in items { item.write(to: &buffer, protocolVersion: version) }
    }

    /// Status and error replies are one line each, so CR and LF in them (often echoed from a request)
    /// would end the reply early and start another: Redis turns them into spaces, and trims them from
    /// the ends of an error first. Done here, where every status and error is written, so no path can miss it.
    static func oneLine(_ text: String, trimmingEnds: Bool) -> String {
        func isLineEnd(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") }
        guard text.utf8.contains(where: isLineEnd) else { return text }
        var bytes = text.utf8[...]
        if trimmingEnds {
            bytes = bytes.drop(while: isLineEnd)
            while let last = bytes.last, isLineEnd(last) { bytes = bytes.dropLast() }
        }
        return String(decoding: bytes.map { isLineEnd($0) ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
}

/// Pieces of replies written straight into the outgoing buffer, for answers built without a
/// `RESPValue` (the lookup path); `RESPValue.write` uses the same pieces.
extension ByteBuffer {
    /// `$<count>\r\n<bytes>\r\n`, as `RESPValue.bulkString(bytes)` is written.
    public mutating func writeRESPBulk(_ bytes: [UInt8]) {
        writeHeader(UInt8(ascii: "$"), bytes.count)
        writeBytes(bytes)
        writeStaticString("\r\n")
    }

    /// `$<count>\r\n<bytes>\r\n`, from bytes lent where they lie.
    public mutating func writeRESPBulk(_ bytes: UnsafeRawBufferPointer) {
        writeHeader(UInt8(ascii: "$"), bytes.count)
        writeBytes(bytes)
        writeStaticString("\r\n")
    }

    /// `RESPValue.bulk(text)` as written.
    public mutating func writeRESPBulk(utf8 text: String) {
        writeHeader(UInt8(ascii: "$"), text.utf8.count)
        writeString(text)
        writeStaticString("\r\n")
    }

    /// `RESPValue.array([.bulk(host), .bulk(String(port))])` as written (GET-MASTER-ADDR-BY-NAME's
    /// reply), in one write: each write into a ByteBuffer is a checked access and a capacity check,
    /// and this reply is sent for every lookup.
    public mutating func writeRESPAddress(host: String, port: Int) {
        var host = host
        host.withUTF8 { hostBytes in
            let portWidth = RESPDecimal.width(port)
            // `*2\r\n`, `$<n>\r\n<host>\r\n`, `$<n>\r\n<port>\r\n`, each count at most 20 characters.
            let most = 4 + (23 + hostBytes.count + 2) + (23 + portWidth + 2)
            writeWithUnsafeMutableBytes(minimumWritableBytes: most) { space in
                var out = RESPRawWriter(space)
                out.append(RESPDecimal.arrayOfTwo)
                out.appendHeader(UInt8(ascii: "$"), hostBytes.count)
                out.append(UnsafeRawBufferPointer(hostBytes))
                out.appendLineEnd()
                out.appendHeader(UInt8(ascii: "$"), portWidth)
                out.appendDecimal(port)
                out.appendLineEnd()
                return out.count
            }
        }
    }

    /// `RESPValue.nullArray` as written: `*-1` in RESP2, `_` in RESP3.
    public mutating func writeRESPNullArray(protocolVersion: RESPProtocolVersion) {
        writeStaticString(protocolVersion == .resp3 ? "_\r\n" : "*-1\r\n")
    }

    mutating func writeLine(_ marker: UInt8, _ text: String) {
        writeInteger(marker)
        writeString(text)
        writeStaticString("\r\n")
    }

    /// `<marker><value>\r\n`, the value in decimal.
    mutating func writeHeader(_ marker: UInt8, _ value: Int) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: 23) { space in
            var out = RESPRawWriter(space)
            out.appendHeader(marker, value)
            return out.count
        }
    }
}

/// Writes reply pieces into space already reserved in a ByteBuffer (one checked access for the
/// lot); the caller reserves enough for everything it appends.
struct RESPRawWriter {
    private let space: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ space: UnsafeMutableRawBufferPointer) { self.space = space }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        precondition(count + bytes.count <= space.count, "RESPRawWriter: the space reserved is too small")
        UnsafeMutableRawBufferPointer(rebasing: space[count..<(count + bytes.count)]).copyMemory(from: bytes)
        count += bytes.count
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func appendLineEnd() { append("\r\n") }

    /// `<marker><value>\r\n`: at most 23 bytes.
    mutating func appendHeader(_ marker: UInt8, _ value: Int) {
        append(byte: marker)
        appendDecimal(value)
        appendLineEnd()
    }

    /// `value` as `String(value)` spells it: at most 20 bytes.
    mutating func appendDecimal(_ value: Int) {
        let width = RESPDecimal.width(value)
        precondition(count + width <= space.count, "RESPRawWriter: the space reserved is too small")
        var rest = value.magnitude
        var index = count + width - 1
        // Bounded: one digit per pass, at most 19.
        repeat {
            space[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            index -= 1
        } while rest > 0
        if value < 0 { space[count] = UInt8(ascii: "-") }
        count += width
    }

    private mutating func append(byte: UInt8) {
        precondition(count < space.count, "RESPRawWriter: the space reserved is too small")
        space[count] = byte
        count += 1
    }
}

enum RESPDecimal {
    static let arrayOfTwo: StaticString = "*2\r\n"

    /// How many characters `String(value)` has.
    static func width(_ value: Int) -> Int {
        var width = value < 0 ? 2 : 1
        var rest = value.magnitude
        while rest >= 10 {
            rest /= 10
            width += 1
        }
        return width
    }
}
