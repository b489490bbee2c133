import NIOCore

/// Reads client requests, multibulk (`*N\r\n$len\r\n...`) or inline, with Redis 7.0's limits and
/// error strings. The server's handler owns the bytes; this owns only the parsing state.
///
/// Contract: between calls the caller may only append to the unread bytes (compacting the buffer is
/// fine). A multibulk request that arrives in pieces is parsed once, piece by piece, so a client that
/// sends a million small arguments slowly costs linear, not quadratic, work.
public struct RESPRequestParser: Sendable {
    /// At most this many argument slots are reserved up front, whatever count a client announces.
    static let maxReservedArguments = 1_024

    public var limits: RESPRequestLimits
    /// When true, the unauthenticated limits apply (the client has not authenticated and a password is required).
    public var requiresAuthentication = false
    private var failure: RESPRequestFrame?
    private var partial: PartialMultibulk?

    /// A multibulk request whose arguments have not all arrived.
    private struct PartialMultibulk: Sendable {
        var expectedCount: Int
        var arguments: [[UInt8]]
        /// Bytes of this request, from the reader index, already turned into `arguments`.
        var parsedBytes: Int
    }

    private enum Step {
        case frame(RESPRequestFrame, consumed: Int)
        case skip(consumed: Int)
        case needMore
    }

    public init(limits: RESPRequestLimits = .redisDefaults) {
        self.limits = limits
    }

    /// Consumes exactly one complete request from `buffer` and returns it; returns nil and leaves the
    /// partial request unread (reader index unchanged) when more bytes are needed. After a
    /// protocolError or queryBufferLimitExceeded the parser stays failed and returns that frame again.
    public mutating func next(from buffer: inout ByteBuffer) -> RESPRequestFrame? {
        if let failure { return failure }
        // Each pass either returns or consumes at least one byte, so the loop ends.
        while buffer.readableBytes > 0 {
            let bytes = buffer.readableBytesView
            let step = partial != nil || bytes.first == UInt8(ascii: "*") ? parseMultibulk(bytes) : parseInline(bytes)
            switch step {
            case .frame(let frame, let consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
                if case .command = frame { return frame }
                failure = frame
                return frame
            case .skip(let consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
            case .needMore:
                guard buffer.readableBytes <= limits.maxQueryBufferBytes else {
                    partial = nil
                    failure = .queryBufferLimitExceeded
                    return failure
                }
                return nil
            }
        }
        return nil
    }

    private func protocolError(_ message: String) -> Step {
        .frame(.protocolError("Protocol error: " + message), consumed: 0)
    }

    private func parseInline(_ bytes: ByteBufferView) -> Step {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else {
            return bytes.count > limits.maxInlineBytes ? protocolError("too big inline request") : .needMore
        }
        var end = newline
        if end > bytes.startIndex && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let consumed = newline - bytes.startIndex + 1
        guard let arguments = InlineArgumentSplitter.split(bytes[bytes.startIndex..<end]) else {
            return protocolError("unbalanced quotes in request")
        }
        return arguments.isEmpty ? .skip(consumed: consumed) : .frame(.command(arguments), consumed: consumed)
    }

    private enum HeaderLine {
        case needMore
        /// The text between the marker byte and "\r", and the index after the line.
        case line(ByteBufferView.SubSequence, next: Int)
    }

    /// Finds the `\r` ending the header line at `start`. Like Redis, the byte after `\r` must have
    /// arrived but is not checked, and the size limit applies only while no `\r` has been seen.
    private func headerLine(_ bytes: ByteBufferView, at start: Int) -> HeaderLine? {
        guard let carriageReturn = bytes[start...].firstIndex(of: UInt8(ascii: "\r")) else {
            return bytes.endIndex - start > limits.maxInlineBytes ? nil : .needMore
        }
        guard carriageReturn + 1 < bytes.endIndex else { return .needMore }
        return .line(bytes[min(start + 1, carriageReturn)..<carriageReturn], next: carriageReturn + 2)
    }

    private mutating func parseMultibulk(_ bytes: ByteBufferView) -> Step {
        let start = bytes.startIndex
        var request: PartialMultibulk
        if let resumed = partial, resumed.parsedBytes <= bytes.count {
            request = resumed
        } else {
            switch headerLine(bytes, at: start) {
            case nil: return protocolError("too big mbulk count string")
            case .needMore: return .needMore
            case .line(let text, let next):
                guard let count = RedisInteger.parse(text), count <= limits.maxMultibulkLength else {
                    return protocolError("invalid multibulk length")
                }
                if requiresAuthentication && count > limits.unauthenticatedMaxMultibulkLength {
                    return protocolError("unauthenticated multibulk length")
                }
                // `*0` and negative counts carry no command: Redis skips them.
                if count <= 0 { return .skip(consumed: next - start) }
                request = PartialMultibulk(expectedCount: Int(count), arguments: [], parsedBytes: next - start)
                request.arguments.reserveCapacity(min(Int(count), Self.maxReservedArguments))
            }
        }
        // Release the stored copy so appending below does not copy the arguments.
        partial = nil
        while request.arguments.count < request.expectedCount {
            switch parseBulk(bytes, at: start + request.parsedBytes) {
            case .needMore:
                partial = request
                return .needMore
            case .failed(let step):
                return step
            case .argument(let argument, let next):
                request.arguments.append(argument)
                request.parsedBytes = next - start
            }
        }
        return .frame(.command(request.arguments), consumed: request.parsedBytes)
    }

    private enum BulkStep {
        case needMore
        case failed(Step)
        case argument([UInt8], next: Int)
    }

    private func parseBulk(_ bytes: ByteBufferView, at position: Int) -> BulkStep {
        guard position < bytes.endIndex else { return .needMore }
        let text: ByteBufferView.SubSequence
        let afterHeader: Int
        switch headerLine(bytes, at: position) {
        case nil: return .failed(protocolError("too big bulk count string"))
        case .needMore: return .needMore
        case .line(let line, let next): (text, afterHeader) = (line, next)
        }
        let marker = bytes[position]
        guard marker == UInt8(ascii: "$") else {
            return .failed(protocolError("expected '$', got '\(Character(Unicode.Scalar(marker)))'"))
        }
        guard let length = RedisInteger.parse(text), length >= 0, length <= limits.maxBulkBytes else {
            return .failed(protocolError("invalid bulk length"))
        }
        if requiresAuthentication && length > limits.unauthenticatedMaxBulkBytes {
            return .failed(protocolError("unauthenticated bulk length"))
        }
        // Nothing is allocated for the argument until all its bytes (and the CRLF after them) are here.
        guard bytes.endIndex - afterHeader >= Int(length) + 2 else { return .needMore }
        let argument = Array(bytes[afterHeader..<(afterHeader + Int(length))])
        return .argument(argument, next: afterHeader + Int(length) + 2)
    }
}
