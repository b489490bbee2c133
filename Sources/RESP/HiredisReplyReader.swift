import CHiredis
import NIOCore

public struct HiredisProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { "Protocol error from peer: \(message)" }
}

/// Reads replies from Redis nodes, RESP2 and RESP3.
///
/// Every reply is first framed by `RESPReplyScanner`, which checks it and finds its end without
/// allocating for the lengths it announces. A complete RESP2 reply is then read by hiredis; replies
/// with RESP3 types go to `RESPReplyFrameDecoder`, because Debian 12 ships hiredis 0.14.1, which
/// predates RESP3. hiredis reports every nil (`$-1`, `*-1`) as one kind, so both read as `.null`.
/// Not Sendable: use it on one event loop.
public final class HiredisReplyReader {
    /// hiredis 0.14 reads at most eight nested arrays ("depth > 7" in its message counts from zero);
    /// deeper RESP2 replies are decoded in Swift instead of failing.
    static let hiredisMaxNestingDepth = 8
    /// Read bytes are dropped from the front of the pending buffer once this many have piled up.
    static let compactionThresholdBytes = 64 * 1024

    private let reader: UnsafeMutablePointer<redisReader>
    private var pending = ByteBuffer()
    private var scanner = RESPReplyScanner()
    private var failure: HiredisProtocolError?

    public init() {
        guard let created = redisReaderCreate() else { fatalError("hiredis could not allocate a reader") }
        reader = created
    }

    deinit {
        redisReaderFree(reader)
    }

    /// Bytes received but not yet returned as replies.
    public var bufferedBytes: Int { pending.readableBytes }

    public func feed(_ buffer: ByteBuffer) {
        guard failure == nil else { return }
        var incoming = buffer
        pending.writeBuffer(&incoming)
    }

    /// The next complete reply, nil when more bytes are needed; throws HiredisProtocolError on
    /// malformed input, and keeps throwing it: the link must be dropped.
    public func next() throws -> RESPValue? {
        if let failure { throw failure }
        switch scanner.scan(pending.readableBytesView) {
        case .needMore:
            if pending.readerIndex >= Self.compactionThresholdBytes { pending.discardReadBytes() }
            return nil
        case .malformed(let message):
            try fail(message)
        case .complete(let length, let usesRESP3, let depth):
            guard let frame = pending.readSlice(length: length) else { fatalError("a scanned reply is longer than the buffer") }
            if usesRESP3 || depth > Self.hiredisMaxNestingDepth { return RESPReplyFrameDecoder.decode(frame) }
            return try readWithHiredis(frame)
        }
    }

    private func fail(_ message: String) throws -> Never {
        let error = HiredisProtocolError(message: message)
        failure = error
        pending = ByteBuffer()
        throw error
    }

    /// Hands one complete RESP2 reply to hiredis and converts what it builds, freeing it at once.
    private func readWithHiredis(_ frame: ByteBuffer) throws -> RESPValue {
        let fed: Int32 = frame.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress else { return REDIS_ERR }
            return redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        var raw: UnsafeMutableRawPointer?
        guard fed == REDIS_OK, redisReaderGetReply(reader, &raw) == REDIS_OK else { try fail(hiredisError()) }
        guard let raw else { try fail("hiredis did not finish a reply that was complete") }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    private func hiredisError() -> String {
        let message = withUnsafeBytes(of: reader.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return message.isEmpty ? "malformed reply" : message
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RESPValue {
        let value = reply.pointee
        func text() -> [UInt8] {
            guard let str = value.str, value.len > 0 else { return [] }
            return Array(UnsafeRawBufferPointer(start: str, count: value.len))
        }
        switch value.type {
        case REDIS_REPLY_STRING: return .bulkString(text())
        case REDIS_REPLY_STATUS: return .simpleString(String(decoding: text(), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: text(), as: UTF8.self))
        case REDIS_REPLY_INTEGER: return .integer(value.integer)
        case REDIS_REPLY_NIL: return .null
        case REDIS_REPLY_ARRAY:
            var items: [RESPValue] = []
            items.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                guard let element = value.element[index] else { fatalError("hiredis built an array with a missing element") }
                items.append(convert(element))
            }
            return .array(items)
        default:
            fatalError("hiredis 0.14 built a reply of unknown type \(value.type)")
        }
    }
}
