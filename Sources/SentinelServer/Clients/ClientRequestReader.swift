#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import RESP

/// What a client connection does with the bytes it reads, for the connection's handler: counts them
/// and when they came (any bytes count as interaction for `timeout`, as in Redis, even half a
/// request), runs the request decoder over them, and keeps what is left of an unfinished request
/// until the next read.
///
/// Not a handler of its own in the pipeline: each handler a read passes costs a pipeline hop each
/// way (read, read-complete, and the next read's request back to the socket), with reference counts
/// taken and dropped at each. As a counting handler before NIO's `ByteToMessageHandler`, then as a
/// handler before the connection's, that was about 3,000, then about 300, of the user-space
/// instructions a lookup at pipeline 1 cost (callgrind).
/// The decoder is the same `RESPRequestDecoder` the codec tests drive through `ByteToMessageHandler`.
final class ClientRequestReader {
    /// Confined to the connection's event loop, as the pipeline is.
    private(set) var lastReceivedAt: NIODeadline?
    private let registry: ClientRegistry
    private var decoder: RESPRequestDecoder
    /// Bytes received that the decoder has not consumed: the start of a request still arriving.
    private var unparsed: ByteBuffer?

    init(registry: ClientRegistry, decoder: RESPRequestDecoder) {
        self.registry = registry
        self.decoder = decoder
    }

    /// Counts `incoming` and hands every request it completes to `deliver`, in order.
    func read(_ incoming: inout ByteBuffer, deliver: (RESPRequestFrame) -> Void) {
        registry.inputBytes += incoming.readableBytes
        lastReceivedAt = Self.coarseNow()
        guard var buffer = unparsed else {
            decode(&incoming, deliver)
            return
        }
        unparsed = nil
        buffer.writeBuffer(&incoming)
        decode(&buffer, deliver)
    }

    /// Every complete request in `buffer` goes to `deliver`; the rest is kept.
    private func decode(_ buffer: inout ByteBuffer, _ deliver: (RESPRequestFrame) -> Void) {
        decoder.decode(&buffer, deliver: deliver)
        guard buffer.readableBytes > 0 else { return }
        // The parser consumes an unfinished request's bytes as it reads them, so what is left is a
        // line or an argument still arriving; moving it to the front once more was consumed than is
        // left keeps the buffer within twice what it holds, at a copy cost linear in the bytes read.
        if buffer.readerIndex > buffer.readableBytes { buffer.discardReadBytes() }
        unparsed = buffer
    }

    /// The monotonic clock `NIODeadline.now()` reads, at the kernel's tick (a few milliseconds): it
    /// only dates interaction, which Redis keeps in whole seconds. Read on every read, the fine
    /// clock was about 1 % of the CPU a lookup at pipeline 1 cost (perf).
    static func coarseNow() -> NIODeadline {
        #if os(Linux)
        var time = timespec()
        guard clock_gettime(CLOCK_MONOTONIC_COARSE, &time) == 0 else { return .now() }
        return .uptimeNanoseconds(UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
        #else
        return .now()
        #endif
    }

    /// The connection closed: an unfinished request will never be completed.
    func forget() {
        unparsed = nil
    }
}
