/// Bounds on what a client may send before it is answered or disconnected. The defaults are
/// Redis 7.0's, so a client sees the same limits from Vigil as from redis-sentinel.
public struct RESPRequestLimits: Sendable, Hashable {
    /// client-query-buffer-limit: unparsed input past this closes the connection without a reply.
    public static let defaultMaxQueryBufferBytes = 1 << 30
    /// PROTO_INLINE_MAX_SIZE: the longest inline command or `*`/`$` header line Redis waits for.
    public static let defaultMaxInlineBytes = 64 * 1024
    /// Redis refuses a multibulk count above INT_MAX.
    public static let defaultMaxMultibulkLength = Int(Int32.max)
    /// proto-max-bulk-len: the largest single argument.
    public static let defaultMaxBulkBytes = 512 * 1024 * 1024
    /// Before AUTH Redis accepts at most this many arguments, so a stranger cannot make it allocate.
    public static let defaultUnauthenticatedMaxMultibulkLength = 10
    /// Before AUTH Redis accepts arguments of at most this many bytes, for the same reason.
    public static let defaultUnauthenticatedMaxBulkBytes = 16_384

    public var maxQueryBufferBytes: Int
    public var maxInlineBytes: Int
    public var maxMultibulkLength: Int
    public var maxBulkBytes: Int
    public var unauthenticatedMaxMultibulkLength: Int
    public var unauthenticatedMaxBulkBytes: Int

    public init(
        maxQueryBufferBytes: Int = defaultMaxQueryBufferBytes,
        maxInlineBytes: Int = defaultMaxInlineBytes,
        maxMultibulkLength: Int = defaultMaxMultibulkLength,
        maxBulkBytes: Int = defaultMaxBulkBytes,
        unauthenticatedMaxMultibulkLength: Int = defaultUnauthenticatedMaxMultibulkLength,
        unauthenticatedMaxBulkBytes: Int = defaultUnauthenticatedMaxBulkBytes
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

/// What the request parser hands the server.
public enum RESPRequestFrame: Sendable, Hashable {
    /// The arguments of one command, binary-safe; never empty.
    case command([[UInt8]])
    /// Redis's exact message, e.g. "Protocol error: invalid multibulk length": the server answers
    /// `-ERR <message>` and closes the connection.
    case protocolError(String)
    /// The client's unparsed input outgrew `maxQueryBufferBytes`: Redis closes without a reply.
    case queryBufferLimitExceeded
}
