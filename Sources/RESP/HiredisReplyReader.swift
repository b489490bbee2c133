import CHiredis
import NIOCore

public struct HiredisProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { "Protocol error from peer: \(message)" }
}

/// hiredis's reader over replies from Redis nodes and peers. Each reply object hiredis builds is
/// converted to a `RESPValue` and freed at once; the reader is freed with this object.
public final class HiredisReplyReader {
    /// A peer announcing a larger array is lying or broken; refusing it keeps hiredis from allocating
    /// room for it before a single element has arrived.
    public static let maxArrayElements = 1 << 20

    private let reader: UnsafeMutablePointer<redisReader>
    /// This reader's own function table (the default one with a guarded array constructor).
    private let functions: UnsafeMutablePointer<redisReplyObjectFunctions>

    public init() {
        guard let created = redisReaderCreate() else { fatalError("hiredis could not allocate a reader") }
        reader = created
        functions = .allocate(capacity: 1)
        functions.initialize(to: created.pointee.fn.pointee)
        HiredisArrayGuard.install(&functions.pointee)
        reader.pointee.fn = functions
        // hiredis keeps its input buffer once it is empty unless it has more than `maxbuf` bytes
        // free (16 KB by default); a link that read one INFO reply would hold about 8 KB for good,
        // and Vigil has two links per node it watches. Past 2 KB the room goes back when emptied.
        reader.pointee.maxbuf = HiredisReplyReader.idleBufferLimit
    }

    /// How much free room an emptied input buffer may keep (see `init`).
    public static let idleBufferLimit = 2_048

    deinit {
        // Free with hiredis's own table in place, then our copy.
        reader.pointee.fn = HiredisArrayGuard.defaultTable
        redisReaderFree(reader)
        functions.deallocate()
    }

    public func feed(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            _ = redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count)
        }
    }

    public func next() throws -> RESPValue? {
        try next { HiredisReplyReader.convert($0.pointer) }
    }

    /// The next complete reply, read by `convert` where hiredis built it (freed after), or nil
    /// while it is incomplete. The links read each reply straight into what the core takes.
    public func next<Value>(_ convert: (HiredisReply) -> Value) throws -> Value? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
            let message = withUnsafeBytes(of: reader.pointee.errstr) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw HiredisProtocolError(message: message.isEmpty ? "malformed reply" : message)
        }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return convert(HiredisReply(pointer: raw.assumingMemoryBound(to: redisReply.self)))
    }

    static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RESPValue {
        let value = reply.pointee
        func text() -> [UInt8] {
            guard let str = value.str else { return [] }
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
                if let element = value.element[index] { items.append(convert(element)) }
            }
            return .array(items)
        default:
            return .null
        }
    }
}

/// One reply as hiredis built it, lent for the length of a `next` call.
public struct HiredisReply {
    let pointer: UnsafeMutablePointer<redisReply>

    public enum Kind: Sendable {
        case string, status, error, integer, null, array
    }

    /// Nil for a type hiredis reads that no node sends Sentinel (read as null before).
    public var kind: Kind? {
        switch pointer.pointee.type {
        case REDIS_REPLY_STRING: return .string
        case REDIS_REPLY_STATUS: return .status
        case REDIS_REPLY_ERROR: return .error
        case REDIS_REPLY_INTEGER: return .integer
        case REDIS_REPLY_NIL: return .null
        case REDIS_REPLY_ARRAY: return .array
        default: return nil
        }
    }

    /// The text of a string, status or error reply.
    public var bytes: UnsafeRawBufferPointer {
        guard let str = pointer.pointee.str else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: str, count: pointer.pointee.len)
    }

    public var integer: Int64 { pointer.pointee.integer }

    /// An array's elements (none for other kinds).
    public var count: Int { pointer.pointee.type == REDIS_REPLY_ARRAY ? pointer.pointee.elements : 0 }

    public subscript(index: Int) -> HiredisReply? {
        precondition(index >= 0 && index < count)
        return pointer.pointee.element[index].map(HiredisReply.init(pointer:))
    }
}

/// Wraps hiredis's array constructor with a size check. C function pointers cannot capture, so the
/// default table hiredis uses is kept in a global read once.
enum HiredisArrayGuard {
    nonisolated(unsafe) static let defaultTable: UnsafeMutablePointer<redisReplyObjectFunctions> = {
        guard let probe = redisReaderCreate() else { fatalError("hiredis could not allocate a reader") }
        let table = probe.pointee.fn!
        redisReaderFree(probe)
        return table
    }()

    static func install(_ functions: inout redisReplyObjectFunctions) {
        functions.createArray = { task, elements in
            guard elements >= 0, Int(elements) <= HiredisReplyReader.maxArrayElements else { return nil }
            return HiredisArrayGuard.defaultTable.pointee.createArray(task, elements)
        }
    }
}

/// Decodes replies from a Redis node with hiredis.
public final class HiredisReplyDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RESPValue
    private let reader = HiredisReplyReader()

    public init() {}

    public func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if buffer.readableBytes > 0 {
            reader.feed(buffer)
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        // hiredis holds the bytes now, so every complete reply is handed on before asking for more.
        while let value = try reader.next() { context.fireChannelRead(wrapInboundOut(value)) }
        return .needMoreData
    }

    public func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while case .continue = try decode(context: context, buffer: &buffer) {}
        return .needMoreData
    }
}

/// Commands to Redis nodes, formatted by hiredis (binary-safe, with lengths).
public enum HiredisCommand {
    public static func format(_ arguments: [String]) -> ByteBuffer {
        format(arguments.map { Array($0.utf8) })
    }

    public static func format(_ arguments: [[UInt8]]) -> ByteBuffer {
        var target: UnsafeMutablePointer<CChar>?
        let lengths = arguments.map(\.count)
        let length: Int32 = withPointers(arguments) { pointers in
            var mutablePointers = pointers
            return mutablePointers.withUnsafeMutableBufferPointer { argv in
                redisFormatCommandArgv(&target, Int32(arguments.count), argv.baseAddress, lengths)
            }
        }
        guard length > 0, let target else { fatalError("hiredis could not format a command of \(arguments.count) arguments") }
        defer { redisFreeCommand(target) }
        var buffer = ByteBufferAllocator().buffer(capacity: Int(length))
        buffer.writeBytes(UnsafeRawBufferPointer(start: target, count: Int(length)))
        return buffer
    }

    private static func withPointers<T>(_ arguments: [[UInt8]], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
        var copies: [UnsafeMutablePointer<CChar>] = []
        defer { copies.forEach { $0.deallocate() } }
        for argument in arguments {
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: max(argument.count, 1))
            argument.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { copy.update(from: $0.baseAddress!, count: argument.count) }
            }
            copies.append(copy)
        }
        return body(copies.map { UnsafePointer($0) })
    }
}

/// Writes `[String]` commands to a Redis node.
public struct HiredisCommandEncoder: MessageToByteEncoder {
    public typealias OutboundIn = [String]
    public init() {}
    public func encode(data: [String], out: inout ByteBuffer) throws {
        RESPCommand.write(data, into: &out)
    }
}

/// A command as a RESP array of bulk strings, written straight into the outgoing buffer: the same
/// bytes as `HiredisCommand.format` (the tests hold them to it), without its copies of every
/// argument into C memory and back. Every PING, INFO and hello to a node goes through here.
public enum RESPCommand {
    public static func write(_ arguments: [String], into out: inout ByteBuffer) {
        out.writeInteger(UInt8(ascii: "*"))
        writeDecimal(arguments.count, into: &out)
        for argument in arguments {
            out.writeInteger(UInt8(ascii: "$"))
            writeDecimal(argument.utf8.count, into: &out)
            out.writeString(argument)
            out.writeStaticString("\r\n")
        }
    }

    /// `value` in decimal followed by CRLF (counts and lengths are never negative).
    private static func writeDecimal(_ value: Int, into out: inout ByteBuffer) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { room in
            var start = room.count
            var rest = UInt(value)
            repeat {
                start -= 1
                room[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            out.writeBytes(UnsafeRawBufferPointer(rebasing: room[start...]))
        }
        out.writeStaticString("\r\n")
    }
}
