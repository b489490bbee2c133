import NIOCore

/// Counts the bytes a client sends and when it last sent any, before the request decoder: any
/// bytes count as interaction for `timeout`, as in Redis, even half a request.
final class ReceivedInputCounter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Confined to the connection's event loop, as the pipeline is.
    private(set) var lastReceivedAt: NIODeadline?
    private let registry: ClientRegistry

    init(registry: ClientRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        registry.inputBytes += unwrapInboundIn(data).readableBytes
        lastReceivedAt = .now()
        context.fireChannelRead(data)
    }
}
