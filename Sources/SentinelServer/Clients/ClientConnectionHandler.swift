import NIOCore
import RESP

/// One client connection: parses requests, runs them in order, writes replies. It decides nothing
/// itself; the parser and the context do.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let context: ClientServerContext
    private let output: PendingOutputCounter
    private var parser: RESPRequestParser
    private var pending: ByteBuffer?
    private var client: ClientRecord?
    private var closing = false
    /// A command's answer waits for a config write; later commands wait behind it.
    private var waiting = false

    /// `output` is the counter in this connection's pipeline, between this handler and the socket.
    init(context: ClientServerContext, output: PendingOutputCounter = PendingOutputCounter()) {
        self.context = context
        self.output = output
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
        let authenticated = !context.requiresPassword
        guard let record = context.registry.register(channelContext.channel, authenticated: authenticated, output: output) else {
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
        // Any bytes received count as interaction for `timeout`, as in Redis, even half a request.
        client.lastInteraction = .now()
        if pending == nil { pending = incoming } else { pending!.writeBuffer(&incoming) }
        // While an answer waits for the disk, input is kept, within the query buffer limit.
        if waiting {
            client.queryBufferBytes = pending?.readableBytes ?? 0
            if let buffer = pending, buffer.readableBytes > context.configuration.limits.maxQueryBufferBytes {
                closing = true
                channelContext.close(promise: nil)
            }
            return
        }
        runCommands(channelContext)
    }

    /// Runs the buffered commands in order until they run out, or one's answer waits for a config
    /// write: the later ones run once it is written, so the client's replies keep their order.
    private func runCommands(_ channelContext: ChannelHandlerContext) {
        guard let client else { return }
        var output = channelContext.channel.allocator.buffer(capacity: 256)
        // Bounded: every command consumes bytes from `pending`.
        while !closing, !waiting, var buffer = pending {
            let frame = parser.next(from: &buffer)
            pending = buffer
            guard let frame else { break }
            switch frame {
            case .command(let words):
                let arguments = words.map { String(decoding: $0, as: UTF8.self) }
                let result = context.execute(arguments, client: client)
                if let later = result.pending {
                    waiting = true
                    later.whenReady { [weak self] result in
                        guard let self, self.client != nil else { return }
                        self.waiting = false
                        var output = channelContext.channel.allocator.buffer(capacity: 64)
                        self.finish(result, client: client, into: &output)
                        self.write(output, channelContext)
                        if !self.closing { self.runCommands(channelContext) }
                    }
                } else {
                    finish(result, client: client, into: &output)
                }
            case .protocolError(let message):
                RESPValue.error("ERR " + message).write(to: &output, protocolVersion: client.protocolVersion)
                closing = true
            case .queryBufferLimitExceeded:
                closing = true
            }
        }
        if let buffer = pending, buffer.readableBytes == 0 { pending = nil } else { pending?.discardReadBytes() }
        client.queryBufferBytes = pending?.readableBytes ?? 0
        client.unfinishedArgumentBytes = parser.unfinishedArgumentBytes
        write(output, channelContext)
    }

    private func finish(_ result: CommandResult, client: ClientRecord, into output: inout ByteBuffer) {
        for reply in result.replies { reply.write(to: &output, protocolVersion: client.protocolVersion) }
        parser.requiresAuthentication = !client.authenticated
        if result.closeAfterReply || client.closeRequested { closing = true }
    }

    private func write(_ output: ByteBuffer, _ channelContext: ChannelHandlerContext) {
        guard let client else { return }
        if output.readableBytes == 0 && !closing { return }
        context.registry.outputBytes += output.readableBytes
        let write = channelContext.writeAndFlush(wrapOutboundOut(output))
        if closing {
            pending = nil
            write.whenComplete { _ in channelContext.close(promise: nil) }
        } else {
            context.enforceOutputLimit(client)
        }
    }

    func errorCaught(context channelContext: ChannelHandlerContext, error: Error) {
        channelContext.close(promise: nil)
    }
}
