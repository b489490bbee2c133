import NIOCore
import RESP

/// One client connection (after TLS): reads its bytes into requests (`ClientRequestReader`), runs
/// them in order and writes their replies, flushed once per read. It decides nothing itself; the
/// context and its command families do.
final class ClientConnectionHandler: ChannelInboundHandler, SmallRequestAnswerer {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let context: ClientServerContext
    private let received: ClientRequestReader
    private let requests: RequestInput
    private var client: ClientRecord?
    private var closing = false
    /// Replies not yet written, sent when the read ends or an answer that waited arrives; the buffer
    /// is kept from one flush to the next (see `flush`).
    private var replies: ByteBuffer?
    /// A command's answer waits for a config write; later requests wait behind it, in `held`.
    private var waiting = false
    private var held: [[[UInt8]]] = []
    /// The first of `held` not yet run: popping from the front of an array would copy it each time.
    private var heldStart = 0
    private var allocator = ByteBufferAllocator()

    init(context: ClientServerContext, received: ClientRequestReader, requests: RequestInput) {
        self.context = context
        self.received = received
        self.requests = requests
    }

    func handlerAdded(context channelContext: ChannelHandlerContext) {
        allocator = channelContext.channel.allocator
        // The decoder offers each small request here before parsing it into arguments.
        requests.answerer = self
    }

    func handlerRemoved(context channelContext: ChannelHandlerContext) {
        requests.answerer = nil
    }

    /// A small request offered by the decoder where it lies: answered into the replies when it is
    /// PING or a lookup in its plain case and nothing before it is still waiting (it would then be
    /// answered out of order); otherwise it is parsed and comes to `channelRead` as any request.
    func answerAtOnce(_ arguments: RESPBorrowedArguments) -> Bool {
        guard !closing, !waiting, let client else { return false }
        startReplies()
        return context.answerImmediately(arguments, client: client, into: &replies!)
    }

    func channelActive(context channelContext: ChannelHandlerContext) {
        if ProtectedMode.refuses(
            protectedMode: context.configuration.protectedMode, defaultUserNeedsNoPassword: context.access.defaultUser.noPass,
            peerIP: channelContext.channel.remoteAddress?.ipAddress)
        {
            context.registry.rejectedConnections += 1
            refuse(ProtectedMode.denied, channelContext)
            return
        }
        let authenticated = !context.requiresPassword
        guard let record = context.registry.register(
            channelContext.channel, authenticated: authenticated, received: received, requests: requests)
        else {
            var buffer = channelContext.channel.allocator.buffer(capacity: 64)
            RESPValue.error("ERR max number of clients reached").write(to: &buffer, protocolVersion: .resp2)
            refuse(String(buffer: buffer), channelContext)
            return
        }
        client = record
        requests.requiresAuthentication = !record.authenticated
        channelContext.fireChannelActive()
    }

    private func refuse(_ text: String, _ channelContext: ChannelHandlerContext) {
        closing = true
        var buffer = channelContext.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        channelContext.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channelContext.close(promise: nil) }
    }

    func channelInactive(context channelContext: ChannelHandlerContext) {
        if let client {
            context.broker.removeAll(client)
            context.registry.remove(client.id)
        }
        client = nil
        held = []
        heldStart = 0
        received.forget()
        channelContext.fireChannelInactive()
    }

    func channelRead(context channelContext: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.read(&bytes) { request in handle(request, channelContext) }
    }

    private func handle(_ request: RESPRequestFrame, _ channelContext: ChannelHandlerContext) {
        guard !closing, client != nil else { return }
        switch request {
        case .command(let words):
            if waiting {
                hold(words, channelContext)
            } else {
                run(words, channelContext)
            }
        case .protocolError(let message):
            guard let client else { return }
            append(.error("ERR " + message), protocolVersion: client.protocolVersion, channelContext)
            closing = true
            flush(channelContext)
        case .queryBufferLimitExceeded:
            closeOverQueryBufferLimit(showing: requests.unparsedBytesAtLimit, channelContext)
        }
    }

    /// The last handler: nothing behind it reads the event, and passing it on to the pipeline's tail
    /// took reference counts on every read.
    func channelReadComplete(context channelContext: ChannelHandlerContext) {
        flush(channelContext)
    }

    /// While an answer waits for the disk, later requests are kept, within the query buffer limit:
    /// Redis leaves a blocked client's later requests in its query buffer, which the limit bounds.
    private func hold(_ words: [[UInt8]], _ channelContext: ChannelHandlerContext) {
        guard let client else { return }
        held.append(words)
        client.heldRequestBytes += words.reduce(0) { $0 + $1.count }
        if client.queryBufferBytes > context.configuration.limits.maxQueryBufferBytes {
            closeOverQueryBufferLimit(showing: heldBytesShown(), channelContext)
        }
    }

    /// The first held requests as a client sends them (multibulk), for the log line: Redis shows the
    /// first bytes of its query buffer, where those requests wait unparsed.
    private func heldBytesShown() -> [UInt8] {
        var bytes: [UInt8] = []
        for words in held[heldStart...] where bytes.count < RequestInput.bytesShownAtLimit {
            bytes += HiredisCommand.format(words).readableBytesView
        }
        return bytes
    }

    /// Redis closes a client over client-query-buffer-limit without a reply, and logs it.
    private func closeOverQueryBufferLimit(showing initialBytes: [UInt8], _ channelContext: ChannelHandlerContext) {
        if let client { context.logQueryBufferLimitReached(client, initialBytes: initialBytes) }
        closing = true
        flush(channelContext)
    }

    /// Runs one request. An answer that waits for a config write holds back the requests after it
    /// until it is written, so the client's replies keep their order.
    private func run(_ words: [[UInt8]], _ channelContext: ChannelHandlerContext) {
        guard let client else { return }
        startReplies()
        // PING and lookups in their plain case: no Strings, no result values, the reply written in place.
        if context.answerImmediately(words, client: client, into: &replies!) { return }
        let arguments = words.map { String(decoding: $0, as: UTF8.self) }
        let result = context.execute(arguments, client: client)
        guard let later = result.pending else {
            finish(result, client: client, channelContext)
            return
        }
        waiting = true
        later.whenReady { [weak self] result in
            guard let self, let client = self.client else { return }
            self.waiting = false
            self.finish(result, client: client, channelContext)
            self.runHeld(channelContext)
            self.flush(channelContext)
        }
    }

    /// Runs the held requests in order until they run out or one waits again. Bounded: each run
    /// removes one.
    private func runHeld(_ channelContext: ChannelHandlerContext) {
        while !closing, !waiting, let client, heldStart < held.count {
            let words = held[heldStart]
            heldStart += 1
            if heldStart == held.count {
                held.removeAll(keepingCapacity: true)
                heldStart = 0
            }
            client.heldRequestBytes -= words.reduce(0) { $0 + $1.count }
            run(words, channelContext)
        }
    }

    private func finish(_ result: CommandResult, client: ClientRecord, _ channelContext: ChannelHandlerContext) {
        for reply in result.replies { append(reply, protocolVersion: client.protocolVersion, channelContext) }
        requests.requiresAuthentication = !client.authenticated
        if result.closeAfterReply || client.closeRequested { closing = true }
    }

    private func append(_ reply: RESPValue, protocolVersion: RESPProtocolVersion, _ channelContext: ChannelHandlerContext) {
        startReplies()
        reply.write(to: &replies!, protocolVersion: protocolVersion)
    }

    /// Writes the replies gathered so far; after the last one of a closing connection, closes it.
    private func flush(_ channelContext: ChannelHandlerContext) {
        guard let client else { return }
        guard let pendingBytes = replies?.readableBytes, pendingBytes > 0 else {
            if closing { channelContext.close(promise: nil) }
            return
        }
        context.registry.outputBytes += pendingBytes
        if closing {
            let last = replies!
            replies = nil
            channelContext.writeAndFlush(wrapOutboundOut(last)).whenComplete { _ in channelContext.close(promise: nil) }
            return
        }
        // No promise: nothing waits for an ordinary reply to leave.
        channelContext.writeAndFlush(wrapOutboundOut(replies!), promise: nil)
        // The buffer is kept for the next replies (no other copy of it is held here): once the socket
        // took the bytes, NIO lets go of it and the next reply is written in place; a new buffer for
        // every flush was an allocation and a free per request. If NIO still holds it (the socket was
        // full), `clear` gives a fresh one rather than touch what waits to be sent. A large one (a
        // long listing) is let go.
        if replies!.capacity <= Self.keptReplyCapacity {
            replies!.clear()
        } else {
            replies = nil
        }
        context.enforceOutputLimit(client)
    }

    /// A reply buffer for `replies` when none is kept.
    private func startReplies() {
        if replies == nil { replies = allocator.buffer(capacity: 256) }
    }

    /// Replies to PING and lookups take a few dozen bytes; 4 KiB leaves room for a pipelined batch.
    static let keptReplyCapacity = 4_096

    func errorCaught(context channelContext: ChannelHandlerContext, error: Error) {
        channelContext.close(promise: nil)
    }
}
