import SentinelCore

/// What one `vigil drill` does: which deployment, which disruption, and how the canary client behaves.
public struct DrillPlan: Sendable {
    public enum Disruption: String, CaseIterable, Codable, Sendable {
        /// `SENTINEL FAILOVER <name>`: Redis Sentinel's planned failover.
        case switchover
        /// `SENTINEL FAILOVER <name> COORDINATED`: the master hands over with `FAILOVER TO`.
        case coordinated
        /// `kill -9` of the master process (this host only).
        case crash
        /// `SIGSTOP` of the master process (this host only), resumed when the drill ends.
        case hang
        /// `DEBUG SLEEP` on the master (needs `enable-debug-command` on the master).
        case sleep
    }

    public var masterName: String
    public var sentinels: [Address]
    public var disruption: Disruption
    public var writesPerSecond: Int = 200
    /// Written before the disruption, so the report shows the client's normal rhythm.
    public var warmupMilliseconds: Int = 2_000
    /// Written after recovery, so writes the old master still acknowledged late are counted too.
    public var settleMilliseconds: Int = 1_000
    /// The drill gives up waiting for a new master after this long.
    public var timeoutMilliseconds: Int = 60_000
    /// Each client call waits at most this long, as a client's socket timeout would.
    public var clientTimeoutMilliseconds: Int = 500
    public var sleepSeconds: Int = 10
    public var valueBytes: Int = 0
    public var keyTimeToLiveSeconds: Int = 3_600
    public var withReader: Bool = false
    public var sentinelCredentials: SentinelQuery.Credentials?
    public var nodeCredentials: SentinelQuery.Credentials?

    public init(masterName: String, sentinels: [Address], disruption: Disruption) {
        self.masterName = masterName
        self.sentinels = sentinels
        self.disruption = disruption
    }

    /// Crash and hang signal a process by its PID, which only means something on this host.
    public static func isThisHost(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// What one drill produced: the observations, the timeline concluded from them, and the RPO.
public struct DrillResult: Codable, Sendable {
    public var masterName: String
    public var disruption: DrillPlan.Disruption
    public var startedAt: String
    public var sentinels: [String]
    public var writesPerSecond: Int
    public var warmupMilliseconds: Int
    public var timeline: DrillTimeline
    /// Why the drill ended without a recovery, when it did.
    public var problem: String?
    /// Acknowledged writes missing on the new master afterwards (RPO, by number).
    public var lostWrites: Int?
    public var lostNumbers: [[Int]]
    public var acknowledgedNumbers: [[Int]]
    public var keyPrefix: String
    public var events: [DrillEvent]
    public var writes: [DrillWrite]
    public var reads: [DrillWrite]
}
