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
            buffer.writeLine("+", RESPValue.oneLine(text, trimmingEnds: false))
        case .error(let text):
            buffer.writeLine("-", RESPValue.oneLine(text, trimmingEnds: true))
        case .integer(let number):
            buffer.writeLine(":", String(number))
        case .bulkString(let bytes):
            buffer.writeLine("$", String(bytes.count))
            buffer.writeBytes(bytes)
            buffer.writeStaticString("\r\n")
        case .null:
            buffer.writeStaticString(resp3 ? "_\r\n" : "$-1\r\n")
        case .nullArray:
            buffer.writeStaticString(resp3 ? "_\r\n" : "*-1\r\n")
        case .array(let items):
            writeAggregate("*", items, to: &buffer, protocolVersion)
        case .map(let items):
            if resp3 {
                buffer.writeLine("%", String(items.count / 2))
                for item in items { item.write(to: &buffer, protocolVersion: protocolVersion) }
            } else {
                writeAggregate("*", items, to: &buffer, protocolVersion)
            }
        case .set(let items):
            writeAggregate(resp3 ? "~" : "*", items, to: &buffer, protocolVersion)
        case .push(let items):
            writeAggregate(resp3 ? ">" : "*", items, to: &buffer, protocolVersion)
        case .verbatim(let text):
            if resp3 {
                let body = Array(("txt:" + text).utf8)
                buffer.writeLine("=", String(body.count))
                buffer.writeBytes(body)
                buffer.writeStaticString("\r\n")
            } else {
                RESPValue.bulk(text).write(to: &buffer, protocolVersion: protocolVersion)
            }
        }
    }

    private func writeAggregate(_ marker: String, _ items: [RESPValue], to buffer: inout ByteBuffer, _ version: RESPProtocolVersion) {
        buffer.writeLine(marker, String(items.count))
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

extension ByteBuffer {
    mutating func writeLine(_ marker: String, _ text: String) {
        writeString(marker)
        writeString(text)
        writeStaticString("\r\n")
    }
}
