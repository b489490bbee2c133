import NIOCore

/// What a connection's request decoder shares with the handler behind it, on the channel's event
/// loop: the handler says whether the client still has to authenticate (such clients get Redis 7.0's
/// tighter limits), the decoder says what it holds (CLIENT LIST's `qbuf` and `argv-mem`).
public final class RequestInput {
    public var requiresAuthentication = false
    /// Bytes received and not yet parsed into a request.
    public fileprivate(set) var bufferedBytes = 0
    /// The arguments already read of an unfinished request.
    public fileprivate(set) var unfinishedArgumentBytes = 0
    /// The first bytes not yet parsed when the query buffer limit was passed: Redis logs them
    /// (sdscatrepr of its query buffer's first `bytesShownAtLimit`) as it closes the client.
    public fileprivate(set) var unparsedBytesAtLimit: [UInt8] = []
    public static let bytesShownAtLimit = 64
    /// What answers a small request offered where it lies (see `RESPRequestParser.offerSmallRequest`):
    /// the connection's handler. Not retained: the handler holds the decoder that reads this, runs
    /// it only from its own read, and clears this as it leaves the pipeline. A retained closure here
    /// cost a reference count taken and dropped, atomically, on every read.
    public unowned(unsafe) var answerer: (any SmallRequestAnswerer)?

    public init() {}
}

/// Answers small requests where they lie in the receive buffer (see `RequestInput.answerer`).
public protocol SmallRequestAnswerer: AnyObject {
    /// True when it answered the request, false to have it parsed and passed on as any other.
    func answerAtOnce(_ arguments: RESPBorrowedArguments) -> Bool
}

/// The request parser as the pipeline's decoder: one `RESPRequestFrame` per request, read by the
/// handler behind it. After a protocol error or an exceeded query buffer nothing more is decoded;
/// the handler answers and closes.
public struct RESPRequestDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RESPRequestFrame
    private var parser: RESPRequestParser
    private let input: RequestInput

    public init(limits: RESPRequestLimits = .redisDefaults, input: RequestInput = RequestInput()) {
        parser = RESPRequestParser(limits: limits)
        self.input = input
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        decode(&buffer) { frame in context.fireChannelRead(NIOAny(frame)) }
        return .needMoreData
    }

    /// Hands every complete request in `buffer` to `deliver`, in order, and consumes it; what is
    /// left is the start of a request still arriving. After a protocol error or an exceeded query
    /// buffer the rest is consumed unread.
    public mutating func decode(_ buffer: inout ByteBuffer, deliver: (RESPRequestFrame) -> Void) {
        // Every complete request in the buffer in one call: each return to ByteToMessageHandler costs
        // its buffer bookkeeping, which a pipelined read would pay once per request. Bounded: every
        // pass but the last consumes a request.
        let answerer = input.answerer
        while true {
            // Read before every request: an AUTH handled behind us lifts the limits for the next one.
            parser.requiresAuthentication = input.requiresAuthentication
            // Every request read was run: nothing is left to offer or parse, as at the end of each
            // read of a client that sends one request at a time.
            if buffer.readableBytes == 0, parser.isBetweenRequests {
                input.bufferedBytes = 0
                input.unfinishedArgumentBytes = parser.unfinishedArgumentBytes
                return
            }
            // PING and lookups, pipelined by the dozen, are answered from the bytes where they lie:
            // no argument arrays, no frame through the pipeline.
            if let answerer, parser.offerSmallRequest(in: &buffer, to: { answerer.answerAtOnce($0) }) { continue }
            let frame = parser.next(from: &buffer)
            input.bufferedBytes = buffer.readableBytes
            input.unfinishedArgumentBytes = parser.unfinishedArgumentBytes
            guard let frame else { return }
            if case .queryBufferLimitExceeded = frame {
                input.unparsedBytesAtLimit = Array(buffer.readableBytesView.prefix(RequestInput.bytesShownAtLimit))
            }
            deliver(frame)
            if case .command = frame { continue }
            buffer.moveReaderIndex(to: buffer.writerIndex)
            input.bufferedBytes = 0
            return
        }
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // Requests complete before the client's end of stream are still run, as Redis runs them.
        try decode(context: context, buffer: &buffer)
    }
}
