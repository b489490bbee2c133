import NIOCore

/// Builds the value of one complete reply that `RESPReplyScanner` has already checked. Used for
/// replies with RESP3 types, which Debian 12's hiredis 0.14 cannot read.
enum RESPReplyFrameDecoder {
    static func decode(_ frame: ByteBuffer) -> RESPValue {
        let bytes = frame.readableBytesView
        let (value, end) = decode(bytes, at: bytes.startIndex)
        guard end == bytes.endIndex else { fatalError("a scanned reply decoded to a different length") }
        return value
    }

    private static func decode(_ bytes: ByteBufferView, at start: Int) -> (RESPValue, next: Int) {
        guard case .item(let item) = RESPReplyItem.parse(bytes, at: start) else {
            fatalError("a reply the scanner accepted failed to parse")
        }
        switch item.kind {
        case .simpleString(let text): return (.simpleString(String(decoding: text, as: UTF8.self)), item.end)
        case .error(let text): return (.error(String(decoding: text, as: UTF8.self)), item.end)
        case .integer(let value): return (.integer(value), item.end)
        case .bulkString(let payload): return (.bulkString(Array(payload)), item.end)
        case .verbatim(let text): return (.verbatim(String(decoding: text, as: UTF8.self)), item.end)
        case .null: return (.null, item.end)
        case .double(let value): return (.double(value), item.end)
        case .boolean(let value): return (.boolean(value), item.end)
        case .bigNumber(let digits): return (.bigNumber(String(decoding: digits, as: UTF8.self)), item.end)
        case .aggregate(let kind, _):
            var children: [RESPValue] = []
            // The frame is complete, so the count is backed by bytes already received.
            children.reserveCapacity(item.childCount)
            var position = item.end
            for _ in 0..<item.childCount {
                let (child, next) = decode(bytes, at: position)
                children.append(child)
                position = next
            }
            switch kind {
            case .array: return (.array(children), position)
            case .map: return (.map(children), position)
            case .set: return (.set(children), position)
            case .push: return (.push(children), position)
            // Attributes are out-of-band metadata: the value they annotate is the reply.
            case .attribute: return (children[children.count - 1], position)
            }
        }
    }
}
