/// Bounds the core enforces, each with its reason.
public enum CoreLimits {
    /// Periodic commands stop on a link with this many unanswered requests (Redis's SENTINEL_MAX_PENDING_COMMANDS),
    /// so a hung node cannot make us queue without end.
    public static let maxPendingCommandsPerLink = 100
    /// INFO replies are cached for INFO-CACHE; a node that sends more is truncated to keep memory bounded.
    public static let maxCachedInfoBytes = 1 << 20
    /// A master's INFO names its replicas; more than this is not a real deployment and would bloat the config.
    public static let maxReplicasPerMaster = 1_024
    /// Known peers per master, for the same reason.
    public static let maxSentinelsPerMaster = 1_024
    /// The largest epoch accepted from a peer, a client or the config file. Epochs grow by one per
    /// failover, so a real deployment stays far below it; a larger one (anyone on a monitored node's
    /// hello channel can publish 2^63-1) would leave `currentEpoch + 1` no room. 2^53-1 also stays
    /// exact for clients that read epochs as JSON or Lua numbers.
    public static let maxEpoch: Int64 = (1 << 53) - 1
    /// The longest time parameter (down-after, failover-timeout, SENTINEL DEBUG periods...), a century
    /// in milliseconds: longer means "never" just as well, and instants plus small multiples of it
    /// stay far from Int64's end.
    public static let maxTimeMilliseconds: Int64 = 100 * 365 * 24 * 3_600 * 1_000
    /// The longest `master_link_down_since_seconds` an INFO reply may report, the same century in seconds.
    public static let maxLinkDownSeconds: Int64 = maxTimeMilliseconds / 1_000
    /// A hostname is at most 255 bytes (RFC 1035); longer is not a name any resolver answers.
    public static let maxHostnameBytes = 255
}
