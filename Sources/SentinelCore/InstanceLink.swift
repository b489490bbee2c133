/// The connection state of one monitored instance, and the ping bookkeeping SDOWN is computed from
/// (§3.2, §3.3). Times are nil where Redis keeps 0.
public struct InstanceLink: Hashable, Sendable {
    public var commandLink: LinkID?
    public var pubsubLink: LinkID?
    public var commandConnected = false
    public var pubsubConnected = false
    /// Masters and replicas need both connections; sentinels only the command one.
    public let needsPubsub: Bool
    public var commandConnectedSince: Instant?
    public var pubsubConnectedSince: Instant?
    public var lastReconnectAttempt: Instant?
    public var pendingCommands = 0
    /// The time of the oldest unanswered PING.
    public var activePingSince: Instant?
    public var lastPingSent: Instant?
    /// Any reply, errors included.
    public var lastReply: Instant
    /// The last PONG, -LOADING or -MASTERDOWN: the node is alive.
    public var lastAvailable: Instant
    public var lastPubsubActivity: Instant?
    public var lastHelloPublished: Instant?
    /// Our own hello, published to this node itself, not yet heard back on its channel (0 or 1).
    public var ownHelloEchoPending = 0
    /// The last of our own hellos heard on this node's channel beyond those we published to it: for
    /// a replica, one its master relayed (see `Sentinel.replicaHearsMastersHellos`).
    public var lastOwnHelloRelayed: Instant?
    /// The local address of the command socket, announced in hellos when no announce-ip is set.
    public var localHost: String?

    public init(needsPubsub: Bool, now: Instant) {
        self.needsPubsub = needsPubsub
        activePingSince = now
        lastReply = now
        lastAvailable = now
    }

    public var isDisconnected: Bool {
        !commandConnected || (needsPubsub && !pubsubConnected)
    }

    /// How long the instance has failed to answer, for SDOWN: `now` minus `silentSince`, 0 while it answers.
    public func unansweredFor(now: Instant, allowance: Int64 = 0) -> Int64 {
        silentSince(allowance: allowance).map { now - $0 } ?? 0
    }

    /// When the silence that SDOWN measures began, nil while the instance answers. Redis counts from
    /// the oldest unanswered PING (`allowance` 0), so a node that hangs right after answering is seen
    /// down only a ping interval after down-after. With `allowance` (a master's ping interval), the
    /// count starts up to that much before the unanswered ping, but never before the last valid
    /// reply: a hang is then seen down-after from the last sign of life, whatever the ping schedule,
    /// while a ping must still go unanswered for down-after minus the allowance.
    public func silentSince(allowance: Int64 = 0) -> Instant? {
        if let activePingSince { return max(lastAvailable, Instant(milliseconds: activePingSince.milliseconds - allowance)) }
        if isDisconnected { return lastAvailable }
        return nil
    }
}
