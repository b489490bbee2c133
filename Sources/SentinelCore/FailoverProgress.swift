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
    /// `SENTINEL FAILOVER <name> COORDINATED`: the master's writes are paused until the replica has
    /// all of them (see `Handover`), so no write it acknowledged is lost.
    public var coordinated = false
    /// How far a coordinated switchover's handover has come; nil until it starts.
    public var handover: Handover?

    public init(state: FailoverStateName, epoch: Int64, startedAt: Instant, forced: Bool) {
        self.state = state
        self.epoch = epoch
        self.startedAt = startedAt
        self.stateChangedAt = startedAt
        self.forced = forced
    }
}

/// A coordinated switchover's handover, step by step (`Sentinel+Handover.swift`). Every step that
/// holds the master's writes paused keeps the moment the pause was sent: the pause cannot have
/// started earlier, so it lasts at least until that moment plus its length.
public enum Handover: Hashable, Sendable {
    /// `CLIENT PAUSE <ms> WRITE` and then `INFO` sent to the master: waiting for its offset.
    case pausing(pausedAt: Instant)
    /// The master's writes are paused; everything it acknowledged lies at or below `offset` of the
    /// history `replicationID`. Waiting for the replica to report that far; `polledAt` is the last
    /// INFO sent to it for that.
    case catchingUp(pausedAt: Instant, offset: Int64, replicationID: String, polledAt: Instant?)
    /// The replica has every write: its promotion was sent; waiting for it to report `role:master`.
    case promoting(pausedAt: Instant)
    /// The replica is master: the old master's demotion and unpause were last sent at `sentAt`;
    /// waiting for it to report itself a replica of the new one (sent again on a new connection).
    case demoting(pausedAt: Instant, sentAt: Instant)
    /// The master refused `CLIENT PAUSE ... WRITE` (an ACL, a renamed command, a Redis before 6.2):
    /// it hands over by itself with Redis's `FAILOVER TO`, which waits for the replica's next ACK.
    case failoverCommand

    /// When the pause was sent, while the master's writes may be paused by it.
    public var pausedAt: Instant? {
        switch self {
        case .pausing(let at), .catchingUp(let at, _, _, _), .promoting(let at), .demoting(let at, _): at
        case .failoverCommand: nil
        }
    }
}
