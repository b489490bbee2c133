import NIOCore
import RESP

/// The first handler of a client connection (after TLS): counts the bytes the client sends and when
/// it last sent any (any bytes count as interaction for `timeout`, as in Redis, even half a request),
/// and runs the request decoder over them, keeping what is left of an unfinished request until the
/// next read.
///
/// One handler, not a counting handler before NIO's `ByteToMessageHandler`: each handler a read
/// passes costs a pipeline hop each way (read and read-complete), and `ByteToMessageHandler` adds its
/// own buffer bookkeeping and re-entrancy guards. At one request per read, which is what a client
/// that looks the master up on connect sends, that was about 3,000 of the 15,900 user-space
/// instructions a request cost (callgrind).
/// The decoder is the same `RESPRequestDecoder` the codec tests drive through `ByteToMessageHandler`.
final class ClientRequestReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = RESPRequestFrame

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

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        registry.inputBytes += incoming.readableBytes
        lastReceivedAt = .now()
        guard var buffer = unparsed else {
            decode(&incoming, context)
            return
        }
        unparsed = nil
        buffer.writeBuffer(&incoming)
        decode(&buffer, context)
    }

    /// Every complete request in `buffer` goes to the handler behind; the rest is kept.
    private func decode(_ buffer: inout ByteBuffer, _ context: ChannelHandlerContext) {
        do {
            _ = try decoder.decode(context: context, buffer: &buffer)
        } catch {
            context.fireErrorCaught(error)
            return
        }
        guard buffer.readableBytes > 0 else { return }
        // The parser consumes an unfinished request's bytes as it reads them, so what is left is a
        // line or an argument still arriving; moving it to the front once more was consumed than is
        // left keeps the buffer within twice what it holds, at a copy cost linear in the bytes read.
        if buffer.readerIndex > buffer.readableBytes { buffer.discardReadBytes() }
        unparsed = buffer
    }

    func channelInactive(context: ChannelHandlerContext) {
        unparsed = nil
        context.fireChannelInactive()
    }
}
