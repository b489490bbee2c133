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

    /// How long the instance has failed to answer, as Redis measures it for SDOWN.
    public func unansweredFor(now: Instant) -> Int64 {
        if let activePingSince { return now - activePingSince }
        if isDisconnected { return now - lastAvailable }
        return 0
    }
}
