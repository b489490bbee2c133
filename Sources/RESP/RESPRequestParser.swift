import NIOCore

/// Bounds on what a client may send (Redis 7.0's defaults).
public struct RESPRequestLimits: Sendable, Hashable {
    /// client-query-buffer-limit: a client whose unparsed input grows past this is disconnected.
    public var maxQueryBufferBytes: Int
    /// PROTO_INLINE_MAX_SIZE: the longest inline command or header line.
    public var maxInlineBytes: Int
    /// The largest multibulk count accepted.
    public var maxMultibulkLength: Int
    /// proto-max-bulk-len: the largest single argument.
    public var maxBulkBytes: Int
    /// Before authentication a client may send only small commands (Redis 7.0's hardening).
    public var unauthenticatedMaxMultibulkLength: Int
    public var unauthenticatedMaxBulkBytes: Int

    public init(
        maxQueryBufferBytes: Int = 1 << 30, maxInlineBytes: Int = 64 * 1024, maxMultibulkLength: Int = Int(Int32.max),
        maxBulkBytes: Int = 512 * 1024 * 1024, unauthenticatedMaxMultibulkLength: Int = 10,
        unauthenticatedMaxBulkBytes: Int = 16_384
    ) {
        self.maxQueryBufferBytes = maxQueryBufferBytes
        self.maxInlineBytes = maxInlineBytes
        self.maxMultibulkLength = maxMultibulkLength
        self.maxBulkBytes = maxBulkBytes
        self.unauthenticatedMaxMultibulkLength = unauthenticatedMaxMultibulkLength
        self.unauthenticatedMaxBulkBytes = unauthenticatedMaxBulkBytes
    }

    public static let redisDefaults = RESPRequestLimits()
}

public enum RESPRequestFrame: Sendable, Hashable {
    /// The arguments of one command; never empty.
    case command([[UInt8]])
    /// The server answers `-ERR <message>` and closes the connection.
    case protocolError(String)
    /// The server closes the connection without a reply.
    case queryBufferLimitExceeded
}

/// Reads client requests, multibulk or inline, with Redis's limits and error strings.
public struct RESPRequestParser: Sendable {
    public var limits: RESPRequestLimits
    public var requiresAuthentication = false
    private var failure: RESPRequestFrame?

    public init(limits: RESPRequestLimits = .redisDefaults) {
        self.limits = limits
    }

    private enum Step {
        case frame(RESPRequestFrame, consumed: Int)
        case skip(consumed: Int)
        case needMore
    }

    public mutating func next(from buffer: inout ByteBuffer) -> RESPRequestFrame? {
        if let failure { return failure }
        // Empty commands (blank lines, `*0`) produce nothing; the loop is bounded by the bytes they consume.
        while buffer.readableBytes > 0 {
            let bytes = buffer.readableBytesView
            let step = bytes.first == UInt8(ascii: "*") ? parseMultibulk(bytes) : parseInline(bytes)
            switch step {
            case .frame(let frame, let consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
                if case .command = frame { return frame }
                failure = frame
                return frame
            case .skip(let consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
            case .needMore:
                if buffer.readableBytes > limits.maxQueryBufferBytes {
                    failure = .queryBufferLimitExceeded
                    return failure
                }
                return nil
            }
        }
        return nil
    }

    private func error(_ message: String) -> Step { .frame(.protocolError("Protocol error: " + message), consumed: 0) }

    private func parseInline(_ bytes: ByteBufferView) -> Step {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else {
            return bytes.count > limits.maxInlineBytes ? error("too big inline request") : .needMore
        }
        var end = newline
        if end > bytes.startIndex && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let consumed = newline - bytes.startIndex + 1
        guard let arguments = InlineSplitter.split(Array(bytes[bytes.startIndex..<end])) else {
            return error("unbalanced quotes in request")
        }
        return arguments.isEmpty ? .skip(consumed: consumed) : .frame(.command(arguments), consumed: consumed)
    }

    /// Reads a `<marker><integer>\r\n` line at `start`: the value and the index after the line.
    private func readHeader(_ bytes: ByteBufferView, at start: Int) -> (value: Int?, next: Int)?? {
        guard let cr = bytes[start...].firstIndex(of: UInt8(ascii: "\r")), cr + 1 < bytes.endIndex else {
            return .some(nil)
        }
        // A line that is only "\r\n" has no marker and no digits.
        guard cr > start else { return (nil, cr + 2) }
        let digits = bytes[(start + 1)..<cr]
        return (RESPRequestParser.parseInteger(digits), cr + 2)
    }

    private func parseMultibulk(_ bytes: ByteBufferView) -> Step {
        let start = bytes.startIndex
        guard let header = readHeader(bytes, at: start), let (countValue, afterCount) = header else {
            return bytes.count > limits.maxInlineBytes ? error("too big mbulk count string") : .needMore
        }
        guard let count = countValue, count <= limits.maxMultibulkLength else { return error("invalid multibulk length") }
        if requiresAuthentication && count > limits.unauthenticatedMaxMultibulkLength {
            return error("unauthenticated multibulk length")
        }
        if count <= 0 { return .skip(consumed: afterCount - start) }
        var arguments: [[UInt8]] = []
        arguments.reserveCapacity(min(count, 1_024))
        var position = afterCount
        for _ in 0..<count {
            guard position < bytes.endIndex else { return .needMore }
            guard let bulkHeader = readHeader(bytes, at: position), let (lengthValue, afterLength) = bulkHeader else {
                if bytes.endIndex - position > limits.maxInlineBytes { return error("too big bulk count string") }
                if bytes[position] != UInt8(ascii: "$") { return expectedDollar(bytes[position]) }
                return .needMore
            }
            guard bytes[position] == UInt8(ascii: "$") else { return expectedDollar(bytes[position]) }
            guard let length = lengthValue, length >= 0, length <= limits.maxBulkBytes else { return error("invalid bulk length") }
            if requiresAuthentication && length > limits.unauthenticatedMaxBulkBytes { return error("unauthenticated bulk length") }
            guard bytes.endIndex - afterLength >= length + 2 else { return .needMore }
            arguments.append(Array(bytes[afterLength..<(afterLength + length)]))
            position = afterLength + length + 2
        }
        return .frame(.command(arguments), consumed: position - start)
    }

    private func expectedDollar(_ byte: UInt8) -> Step {
        error("expected '$', got '\(Character(Unicode.Scalar(byte)))'")
    }

    /// Redis's string2ll: an optional '-', digits, no leading '+', no spaces, within Int64.
    static func parseInteger(_ digits: ByteBufferView.SubSequence) -> Int? {
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }
}

/// The inline command splitter (sdssplitargs): spaces separate words; "..." allows \n \r \t \b \a
/// \xHH and \<char> escapes; '...' allows \'. A closing quote must be followed by a space or the end.
enum InlineSplitter {
    static func split(_ line: [UInt8]) -> [[UInt8]]? {
        var words: [[UInt8]] = []
        var index = 0
        func isSpace(_ byte: UInt8) -> Bool { byte == 32 || (9...13).contains(byte) }
        while true {
            while index < line.count && isSpace(line[index]) { index += 1 }
            guard index < line.count else { return words }
            var word: [UInt8] = []
            var inDouble = false
            var inSingle = false
            var done = false
            while !done {
                if inDouble {
                    guard index < line.count else { return nil }
                    let byte = line[index]
                    if byte == UInt8(ascii: "\\"), index + 3 < line.count, line[index + 1] == UInt8(ascii: "x"),
                        let high = hexValue(line[index + 2]), let low = hexValue(line[index + 3])
                    {
                        word.append(high << 4 | low)
                        index += 3
                    } else if byte == UInt8(ascii: "\\"), index + 1 < line.count {
                        index += 1
                        word.append(unescaped(line[index]))
                    } else if byte == UInt8(ascii: "\"") {
                        if index + 1 < line.count && !isSpace(line[index + 1]) { return nil }
                        done = true
                    } else {
                        word.append(byte)
                    }
                } else if inSingle {
                    guard index < line.count else { return nil }
                    let byte = line[index]
                    if byte == UInt8(ascii: "\\"), index + 1 < line.count, line[index + 1] == UInt8(ascii: "'") {
                        index += 1
                        word.append(UInt8(ascii: "'"))
                    } else if byte == UInt8(ascii: "'") {
                        if index + 1 < line.count && !isSpace(line[index + 1]) { return nil }
                        done = true
                    } else {
                        word.append(byte)
                    }
                } else {
                    guard index < line.count else { break }
                    let byte = line[index]
                    if isSpace(byte) {
                        done = true
                    } else if byte == UInt8(ascii: "\"") {
                        inDouble = true
                    } else if byte == UInt8(ascii: "'") {
                        inSingle = true
                    } else {
                        word.append(byte)
                    }
                }
                if index < line.count { index += 1 }
            }
            words.append(word)
        }
    }

    static func unescaped(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "n"): return 10
        case UInt8(ascii: "r"): return 13
        case UInt8(ascii: "t"): return 9
        case UInt8(ascii: "b"): return 8
        case UInt8(ascii: "a"): return 7
        default: return byte
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// The parser as a ByteToMessageDecoder, for pipelines and NIO's decoder verifier.
public struct RESPRequestDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RESPRequestFrame
    private var parser: RESPRequestParser

    public init(limits: RESPRequestLimits = .redisDefaults) {
        parser = RESPRequestParser(limits: limits)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = parser.next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        if case .command = frame { return .continue }
        // After a protocol error nothing more is read from this client.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while case .continue = try decode(context: context, buffer: &buffer) {}
        return .needMoreData
    }
}
