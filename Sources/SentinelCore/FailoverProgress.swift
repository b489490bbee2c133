/// The failover states of §3.7, as the wire names them (`failover-state` in SENTINEL MASTER).
public enum FailoverStateName: String, Hashable, Sendable {
    case waitStart = "wait_start"
    case selectSlave = "select_slave"
    case sendSlaveofNoone = "send_slaveof_noone"
    case waitPromotion = "wait_promotion"
    case reconfSlaves = "reconf_slaves"
    case updateConfig = "update_config"
}

/// A failover in progress for one master.
public struct FailoverProgress: Hashable, Sendable {
    public var state: FailoverStateName
    public var epoch: Int64
    public var startedAt: Instant
    public var stateChangedAt: Instant
    public var forced: Bool
    public var promotedReplica: String?
    /// The old and new addresses once `+switch-master` has been published (at promotion, ahead of the
    /// replicas' reconfiguration), so it is not published twice.
    public var switchAnnounced = false
    /// `SENTINEL FAILOVER <name> COORDINATED`: the master hands over with Redis's `FAILOVER` command,
    /// so no write it acknowledged is lost, instead of the replica being told `SLAVEOF NO ONE`.
    public var coordinated = false

    public init(state: FailoverStateName, epoch: Int64, startedAt: Instant, forced: Bool) {
        self.state = state
        self.epoch = epoch
        self.startedAt = startedAt
        self.stateChangedAt = startedAt
        self.forced = forced
    }
}
