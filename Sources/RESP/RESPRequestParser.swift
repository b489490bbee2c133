import NIOCore
import RedisWords

/// Bounds on what a client may send (Redis 7.0's defaults).
public struct RESPRequestLimits: Sendable, Hashable {
    /// client-query-buffer-limit: a client whose unfinished request (the arguments already read and
    /// the bytes not yet parsed) grows past this is disconnected.
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
///
/// Parsing is incremental: what is known of an unfinished multibulk request (the arguments read so
/// far, how many are still expected, the length of the bulk being received) stays here, and the bytes
/// it came from are consumed from the buffer. A line end is searched for only in bytes not searched
/// before. So the work is linear in the bytes received however a request is split across reads;
/// re-parsing from the start on every read let one slow 200,000-argument request stall every client.
public struct RESPRequestParser: Sendable {
    public var limits: RESPRequestLimits
    public var requiresAuthentication = false
    /// Bytes searched for a line end or copied into an argument so far: the parser's work, which
    /// stays within a small multiple of the bytes received (the tests hold it to that).
    public private(set) var bytesExamined = 0
    private var failure: RESPRequestFrame?
    /// Arguments still expected by the unfinished multibulk request; 0 when none is under way.
    private var argumentsRemaining = 0
    private var arguments: [[UInt8]] = []
    /// The announced length of the bulk being received; nil while its `$<length>` line is awaited.
    private var bulkLength: Int?
    /// Wire bytes of the unfinished request already consumed from the buffer.
    private var consumedRequestBytes = 0
    /// Bytes at the buffer's reader index already searched without finding the line end wanted.
    private var searchedBytes = 0
    /// Argument bytes of the unfinished request held so far (CLIENT LIST's `argv-mem`).
    public private(set) var unfinishedArgumentBytes = 0

    public init(limits: RESPRequestLimits = .redisDefaults) {
        self.limits = limits
    }

    private enum Step {
        case frame(RESPRequestFrame)
        /// Bytes were consumed without completing a command (an empty command, a header line).
        case progressed
        case needMore
    }

    /// The next request in `buffer`, consuming what it has parsed; nil when more bytes are needed.
    /// Call again with the same buffer, new bytes appended after those left unconsumed: the parser
    /// remembers how far it searched them. After a protocol error or the query buffer limit, returns
    /// that frame again on every call.
    public mutating func next(from buffer: inout ByteBuffer) -> RESPRequestFrame? {
        if let failure { return failure }
        // Bounded: every pass but the last consumes at least one byte.
        for _ in 0...buffer.readableBytes {
            let step: Step
            if argumentsRemaining > 0 {
                step = continueMultibulk(&buffer)
            } else if let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) {
                step = first == UInt8(ascii: "*") ? startMultibulk(&buffer) : parseInline(&buffer)
            } else {
                return nil
            }
            switch step {
            case .frame(let frame):
                if case .command = frame { return frame }
                failure = frame
                return frame
            case .progressed:
                continue
            case .needMore:
                // The arguments already read are held in memory too, so they count against the limit.
                if buffer.readableBytes + consumedRequestBytes > limits.maxQueryBufferBytes {
                    failure = .queryBufferLimitExceeded
                    return failure
                }
                return nil
            }
        }
        return nil
    }

    private func error(_ message: String) -> Step { .frame(.protocolError("Protocol error: " + message)) }

    private mutating func consume(_ count: Int, from buffer: inout ByteBuffer) {
        buffer.moveReaderIndex(forwardBy: count)
        searchedBytes = 0
        if argumentsRemaining > 0 { consumedRequestBytes += count }
    }

    /// The offset of the first `byte` after the reader index, resuming where the last search of this
    /// line stopped; the search stops on the byte found, so the next search starts there.
    ///
    /// Redis finds line ends with strchr, which stops at a NUL byte: a line with a NUL before its end
    /// never ends, and waits until it outgrows its limit. So does this one; the search then stays on
    /// the NUL, so each later call costs nothing.
    private mutating func offsetOfLineEnd(_ byte: UInt8, in buffer: ByteBuffer) -> Int? {
        // Over the raw bytes: this runs for every header line of every request, and each access
        // through a ByteBuffer view retains its storage and is a checked access.
        buffer.withUnsafeReadableBytes { bytes in
            let start = searchedBytes
            guard start < bytes.count, bytes[start] != 0 else { return nil }
            var index = start
            // Bounded by the bytes not yet searched.
            while index < bytes.count, bytes[index] != byte, bytes[index] != 0 { index += 1 }
            guard index < bytes.count else {
                bytesExamined += bytes.count - start
                searchedBytes = bytes.count
                return nil
            }
            bytesExamined += index - start + 1
            searchedBytes = index
            return bytes[index] == 0 ? nil : index
        }
    }

    /// A complete `<marker><integer>\r\n` line at the reader index: its integer (nil when malformed)
    /// and its length; nil while the line is incomplete.
    private mutating func headerLine(in buffer: ByteBuffer) -> (value: Int?, length: Int)? {
        guard let cr = offsetOfLineEnd(UInt8(ascii: "\r"), in: buffer), cr + 1 < buffer.readableBytes else { return nil }
        // A line that is only "\r\n" has no marker and no digits.
        guard cr > 0 else { return (nil, 2) }
        let value = buffer.withUnsafeReadableBytes { bytes in
            RESPRequestParser.parseInteger(UnsafeRawBufferPointer(rebasing: bytes[1..<cr]))
        }
        return (value, cr + 2)
    }

    private mutating func parseInline(_ buffer: inout ByteBuffer) -> Step {
        guard let newline = offsetOfLineEnd(UInt8(ascii: "\n"), in: buffer) else {
            return buffer.readableBytes > limits.maxInlineBytes ? error("too big inline request") : .needMore
        }
        let view = buffer.readableBytesView
        var end = newline
        if end > 0 && view[view.startIndex + end - 1] == UInt8(ascii: "\r") { end -= 1 }
        bytesExamined += end
        guard let words = RedisWords.split(Array(view[view.startIndex..<(view.startIndex + end)])) else {
            return error("unbalanced quotes in request")
        }
        consume(newline + 1, from: &buffer)
        return words.isEmpty ? .progressed : .frame(.command(words))
    }

    /// Reads the `*<count>` line and opens the request.
    private mutating func startMultibulk(_ buffer: inout ByteBuffer) -> Step {
        guard let header = headerLine(in: buffer) else {
            return buffer.readableBytes > limits.maxInlineBytes ? error("too big mbulk count string") : .needMore
        }
        guard let count = header.value, count <= limits.maxMultibulkLength else { return error("invalid multibulk length") }
        if requiresAuthentication && count > limits.unauthenticatedMaxMultibulkLength {
            return error("unauthenticated multibulk length")
        }
        consume(header.length, from: &buffer)
        // `*0` and negative counts are empty commands: nothing to run.
        guard count > 0 else { return .progressed }
        argumentsRemaining = count
        consumedRequestBytes = header.length
        arguments.reserveCapacity(min(count, 1_024))
        return .progressed
    }

    /// Reads as many `$<length>` lines and bulks as the buffer holds; the command once all are in.
    private mutating func continueMultibulk(_ buffer: inout ByteBuffer) -> Step {
        // Bounded: each pass reads one header or one bulk, two per argument.
        for _ in 0..<(2 * argumentsRemaining) {
            if let length = bulkLength {
                guard buffer.readableBytes >= length + 2 else { return .needMore }
                arguments.append(buffer.getBytes(at: buffer.readerIndex, length: length)!)
                bytesExamined += length
                unfinishedArgumentBytes += length
                bulkLength = nil
                consume(length + 2, from: &buffer)
                argumentsRemaining -= 1
                if argumentsRemaining == 0 { break }
                continue
            }
            guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .needMore }
            guard let header = headerLine(in: buffer) else {
                // As Redis: the header is checked only once its line is complete, so the same bytes
                // give the same error however they are split.
                if buffer.readableBytes > limits.maxInlineBytes { return error("too big bulk count string") }
                return .needMore
            }
            guard first == UInt8(ascii: "$") else { return expectedDollar(first) }
            guard let length = header.value, length >= 0, length <= limits.maxBulkBytes else { return error("invalid bulk length") }
            if requiresAuthentication && length > limits.unauthenticatedMaxBulkBytes { return error("unauthenticated bulk length") }
            consume(header.length, from: &buffer)
            bulkLength = length
        }
        let command = arguments
        arguments = []
        consumedRequestBytes = 0
        unfinishedArgumentBytes = 0
        return .frame(.command(command))
    }

    /// Whether no part of a request has been read: no unfinished multibulk request, no line
    /// searched in part, no error.
    public var isBetweenRequests: Bool { failure == nil && argumentsRemaining == 0 && searchedBytes == 0 }

    /// Offers the request at the buffer's reader index to `answer` without copying its arguments,
    /// when it is a small multibulk request lying whole in the buffer, written as clients write it:
    /// `*<1 to 3>\r\n`, then for each argument `$<length>\r\n<bytes>\r\n` with a length of at most
    /// `smallArgumentBytes`, within the limits. It is consumed when `answer` takes it (returns true).
    /// Otherwise nothing is consumed or remembered and the request goes through `next(from:)`,
    /// which reads the very same arguments from those bytes. So a lookup or PING answered at once
    /// allocates nothing for its arguments, and which way a request goes never changes what it is.
    public mutating func offerSmallRequest(in buffer: inout ByteBuffer, to answer: (RESPBorrowedArguments) -> Bool) -> Bool {
        guard isBetweenRequests else { return false }
        let limits = self.limits
        let requiresAuthentication = self.requiresAuthentication
        let (taken, scanned, length) = buffer.withUnsafeReadableBytes { bytes -> (Bool, Int, Int) in
            guard let arguments = RESPRequestParser.smallRequest(in: bytes, limits: limits, requiresAuthentication: requiresAuthentication)
            else { return (false, min(bytes.count, RESPRequestParser.smallRequestScanLimit), 0) }
            return (answer(arguments), arguments.wireLength, arguments.wireLength)
        }
        bytesExamined += scanned
        if taken { buffer.moveReaderIndex(forwardBy: length) }
        return taken
    }

    /// The longest argument `offerSmallRequest` takes: a master's name, PING's message.
    public static let smallArgumentBytes = 1_024
    static let smallRequestScanLimit = 4 + 3 * (8 + smallArgumentBytes)

    /// The arguments of the small request at the start of `bytes` (see `offerSmallRequest`), or nil.
    static func smallRequest(in bytes: UnsafeRawBufferPointer, limits: RESPRequestLimits, requiresAuthentication: Bool) -> RESPBorrowedArguments? {
        guard bytes.count >= 4, bytes[0] == UInt8(ascii: "*"), bytes[2] == UInt8(ascii: "\r"), bytes[3] == UInt8(ascii: "\n") else { return nil }
        let count = Int(bytes[1]) - Int(UInt8(ascii: "0"))
        guard (1...3).contains(count), count <= limits.maxMultibulkLength,
            !requiresAuthentication || count <= limits.unauthenticatedMaxMultibulkLength
        else { return nil }
        let mostBytes = requiresAuthentication ? min(limits.maxBulkBytes, limits.unauthenticatedMaxBulkBytes) : limits.maxBulkBytes
        var arguments = RESPBorrowedArguments(bytes: bytes, count: count)
        var index = 4
        for argument in 0..<count {
            // `$`, the length (no sign, no leading zero: as parseInteger reads it), `\r\n`.
            guard index < bytes.count, bytes[index] == UInt8(ascii: "$") else { return nil }
            index += 1
            var length = 0
            let digitsStart = index
            // Bounded: at most five digits are read.
            while index < bytes.count, index - digitsStart < 5, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                length = length * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            let digits = index - digitsStart
            guard digits > 0, digits == 1 || bytes[digitsStart] != UInt8(ascii: "0"),
                length <= smallArgumentBytes, length <= mostBytes,
                index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\r"), bytes[index + 1] == UInt8(ascii: "\n")
            else { return nil }
            index += 2
            guard index + length + 2 <= bytes.count, bytes[index + length] == UInt8(ascii: "\r"), bytes[index + length + 1] == UInt8(ascii: "\n")
            else { return nil }
            arguments.set(argument, start: index, count: length)
            index += length + 2
        }
        arguments.wireLength = index
        return arguments
    }

    private func expectedDollar(_ byte: UInt8) -> Step {
        error("expected '$', got '\(Character(Unicode.Scalar(byte)))'")
    }

    /// Redis's string2ll: "0", or an optional '-' then digits without a leading zero, within Int64.
    /// So "+1", "01" and "-0" are malformed, as they are to Redis.
    static func parseInteger(_ digits: UnsafeRawBufferPointer) -> Int? {
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        if digits.count == 1 && digits[0] == UInt8(ascii: "0") { return 0 }
        let magnitude = digits[0] == UInt8(ascii: "-") ? digits.dropFirst() : digits[...]
        guard let lead = magnitude.first, (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(lead) else { return nil }
        // Accumulated negatively, so that Int64.min fits; every step checked for overflow.
        var value = 0
        for digit in magnitude {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            let (times10, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowedAgain) = times10.subtractingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            guard !overflowed, !overflowedAgain else { return nil }
            value = next
        }
        if digits[0] == UInt8(ascii: "-") { return value }
        return value == Int.min ? nil : -value
    }
}

/// The arguments of one small request, lent where they lie (in the receive buffer, or in one array
/// for a request already parsed) for the length of one call; at most three.
public struct RESPBorrowedArguments {
    public let count: Int
    private let bytes: UnsafeRawBufferPointer
    private var starts: (Int, Int, Int) = (0, 0, 0)
    private var lengths: (Int, Int, Int) = (0, 0, 0)
    /// The request's bytes on the wire, when read from the receive buffer.
    var wireLength = 0

    init(bytes: UnsafeRawBufferPointer, count: Int) {
        precondition((1...3).contains(count))
        self.bytes = bytes
        self.count = count
    }

    mutating func set(_ index: Int, start: Int, count: Int) {
        switch index {
        case 0: (starts.0, lengths.0) = (start, count)
        case 1: (starts.1, lengths.1) = (start, count)
        default: (starts.2, lengths.2) = (start, count)
        }
    }

    public subscript(index: Int) -> UnsafeRawBufferPointer {
        precondition(index >= 0 && index < count)
        let (start, length) = switch index {
        case 0: (starts.0, lengths.0)
        case 1: (starts.1, lengths.1)
        default: (starts.2, lengths.2)
        }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)])
    }

    /// `words` lent the same way, laid end to end in one array; nil for more than three.
    public static func withArguments<Result>(_ words: [[UInt8]], _ body: (RESPBorrowedArguments?) -> Result) -> Result {
        guard (1...3).contains(words.count) else { return body(nil) }
        let joined = words.reduce(into: [UInt8]()) { $0 += $1 }
        return joined.withUnsafeBytes { bytes in
            var arguments = RESPBorrowedArguments(bytes: bytes, count: words.count)
            var start = 0
            for (index, word) in words.enumerated() {
                arguments.set(index, start: start, count: word.count)
                start += word.count
            }
            return body(arguments)
        }
    }
}
