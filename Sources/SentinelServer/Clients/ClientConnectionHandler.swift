import NIOCore
import RESP

/// One client connection: parses requests, runs them in order, writes replies. It decides nothing
/// itself; the parser and the context do.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let context: ClientServerContext
    private var parser: RESPRequestParser
    private var pending: ByteBuffer?
    private var client: ClientRecord?
    private var closing = false

    init(context: ClientServerContext) {
        self.context = context
        parser = RESPRequestParser(limits: context.configuration.limits)
    }

    func channelActive(context channelContext: ChannelHandlerContext) {
        if ProtectedMode.refuses(
            protectedMode: context.configuration.protectedMode, defaultUserNeedsNoPassword: context.access.defaultUser.noPass,
            peerIP: channelContext.channel.remoteAddress?.ipAddress)
        {
            context.registry.rejectedConnections += 1
            var buffer = channelContext.channel.allocator.buffer(capacity: ProtectedMode.denied.utf8.count)
            buffer.writeString(ProtectedMode.denied)
            channelContext.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channelContext.close(promise: nil) }
            closing = true
            return
        }
        guard let record = context.registry.register(channelContext.channel, authenticated: !context.requiresPassword) else {
            var buffer = channelContext.channel.allocator.buffer(capacity: 64)
            RESPValue.error("ERR max number of clients reached").write(to: &buffer, protocolVersion: .resp2)
            channelContext.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channelContext.close(promise: nil) }
            closing = true
            return
        }
        client = record
        parser.requiresAuthentication = !record.authenticated
        channelContext.fireChannelActive()
    }

    func channelInactive(context channelContext: ChannelHandlerContext) {
        if let client {
            context.broker.removeAll(client)
            context.registry.remove(client.id)
        }
        client = nil
        channelContext.fireChannelInactive()
    }

    func channelRead(context channelContext: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        guard !closing, let client else { return }
        context.registry.inputBytes += incoming.readableBytes
        if pending == nil { pending = incoming } else { pending!.writeBuffer(&incoming) }
        var output = channelContext.channel.allocator.buffer(capacity: 256)
        // Bounded: every command consumes bytes from `pending`.
        while !closing, var buffer = pending {
            let frame = parser.next(from: &buffer)
            pending = buffer
            guard let frame else { break }
            switch frame {
            case .command(let words):
                client.lastInteraction = .now()
                let arguments = words.map { String(decoding: $0, as: UTF8.self) }
                let result = context.execute(arguments, client: client)
                for reply in result.replies { reply.write(to: &output, protocolVersion: client.protocolVersion) }
                parser.requiresAuthentication = !client.authenticated
                if result.closeAfterReply || client.closeRequested { closing = true }
            case .protocolError(let message):
                RESPValue.error("ERR " + message).write(to: &output, protocolVersion: client.protocolVersion)
                closing = true
            case .queryBufferLimitExceeded:
                closing = true
            }
        }
        if let buffer = pending, buffer.readableBytes == 0 { pending = nil } else { pending?.discardReadBytes() }
        context.registry.outputBytes += output.readableBytes
        let write = channelContext.writeAndFlush(wrapOutboundOut(output))
        if closing {
            pending = nil
            write.whenComplete { _ in channelContext.close(promise: nil) }
        }
    }

    func errorCaught(context channelContext: ChannelHandlerContext, error: Error) {
        channelContext.close(promise: nil)
    }
}
