import NIOCore

/// The request parser as a ByteToMessageDecoder, for pipelines and NIO's decoder verifier.
public struct RESPRequestDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RESPRequestFrame
    private var parser: RESPRequestParser

    public init(limits: RESPRequestLimits = .redisDefaults) {
        parser = RESPRequestParser(limits: limits)
    }

    /// See `RESPRequestParser.requiresAuthentication`.
    public var requiresAuthentication: Bool {
        get { parser.requiresAuthentication }
        set { parser.requiresAuthentication = newValue }
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = parser.next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        if case .command = frame { return .continue }
        // After a protocol error nothing more is read from this client: the server closes it.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // Complete requests still buffered are delivered; a trailing partial request is dropped, as Redis does.
        while case .continue = try decode(context: context, buffer: &buffer) {}
        return .needMoreData
    }
}
