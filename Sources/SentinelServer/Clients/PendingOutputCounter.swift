import NIOCore

/// Counts the bytes written to a client connection that have not reached its socket yet: what a
/// client that does not read its replies makes us hold. Sits next to the socket (after TLS, when
/// there is TLS) so every reply and pub/sub message passes through it.
final class PendingOutputCounter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Confined to the connection's event loop, as the pipeline is.
    private(set) var pendingBytes = 0

    init() {}

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let size = unwrapOutboundIn(data).readableBytes
        pendingBytes += size
        // Written or failed (the connection closed), the bytes are no longer held.
        let written = promise ?? context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { _ in self.pendingBytes -= size }
        context.write(data, promise: written)
    }
}
