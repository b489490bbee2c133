import CHiredis
import NIOCore

/// Commands to Redis nodes, formatted by hiredis's redisFormatCommandArgv (binary-safe, with lengths).
public enum HiredisCommand {
    public static func format(_ arguments: [String]) -> ByteBuffer {
        format(arguments.map { Array($0.utf8) })
    }

    public static func format(_ arguments: [[UInt8]]) -> ByteBuffer {
        guard arguments.count <= Int(Int32.max) else { fatalError("a command of \(arguments.count) arguments cannot be formatted") }
        // One contiguous copy of every argument, so each has a stable address for the C call. The
        // trailing byte keeps the storage non-empty even when every argument is.
        var joined: [UInt8] = []
        joined.reserveCapacity(arguments.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        offsets.reserveCapacity(arguments.count)
        for argument in arguments {
            offsets.append(joined.count)
            joined.append(contentsOf: argument)
        }
        joined.append(0)
        let lengths = arguments.map(\.count)
        var target: UnsafeMutablePointer<CChar>?
        let length: Int32 = joined.withUnsafeBufferPointer { storage in
            storage.withMemoryRebound(to: CChar.self) { characters in
                var pointers: [UnsafePointer<CChar>?] = offsets.map { UnsafePointer(characters.baseAddress! + $0) }
                return pointers.withUnsafeMutableBufferPointer { argv in
                    redisFormatCommandArgv(&target, Int32(arguments.count), argv.baseAddress, lengths)
                }
            }
        }
        guard length >= 0, let target else { fatalError("hiredis could not allocate a command of \(arguments.count) arguments") }
        defer { redisFreeCommand(target) }
        var buffer = ByteBufferAllocator().buffer(capacity: Int(length))
        buffer.writeBytes(UnsafeRawBufferPointer(start: target, count: Int(length)))
        return buffer
    }
}

/// Writes `[String]` commands to a Redis node.
public struct HiredisCommandEncoder: MessageToByteEncoder {
    public typealias OutboundIn = [String]
    public init() {}

    public func encode(data: [String], out: inout ByteBuffer) throws {
        var formatted = HiredisCommand.format(data)
        out.writeBuffer(&formatted)
    }
}
