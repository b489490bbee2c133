import NIOCore

/// Decodes replies from a Redis node with `HiredisReplyReader`.
public final class HiredisReplyDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RESPValue
    private let reader = HiredisReplyReader()

    public init() {}

    public func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if buffer.readableBytes > 0 {
            reader.feed(buffer)
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        // The reader holds the bytes now, so every complete reply is handed on before asking for more.
        while let value = try reader.next() { context.fireChannelRead(wrapInboundOut(value)) }
        return .needMoreData
    }

    public func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        _ = try decode(context: context, buffer: &buffer)
        return .needMoreData
    }
}
