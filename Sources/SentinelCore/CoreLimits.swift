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
}
