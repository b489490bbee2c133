/// What every monitored instance (master, replica, peer sentinel) has in common.
public struct InstanceState: Hashable, Sendable {
    public var address: Address
    public var runID: String?
    public var link: InstanceLink
    public var subjectiveDownSince: Instant?
    public var isSubjectivelyDown = false
    public var scriptKillSent = false
    public var downAfterMilliseconds: Int64

    // INFO-derived (masters and replicas).
    public var infoRefreshed: Instant?
    public var cachedInfo: String?
    public var roleReported: InfoReport.Role
    public var roleReportedAt: Instant
    /// The node refused INFO with sections (Redis before 7.0 takes at most one): it is asked for all.
    public var infoSectionsRefused = false

    public init(address: Address, needsPubsub: Bool, role: InfoReport.Role, downAfter: Int64, now: Instant) {
        self.address = address
        self.link = InstanceLink(needsPubsub: needsPubsub, now: now)
        self.roleReported = role
        self.roleReportedAt = now
        self.downAfterMilliseconds = downAfter
    }
}

public struct ReplicaState: Hashable, Sendable {
    public var instance: InstanceState
    public var masterLinkDownMilliseconds: Int64 = 0
    public var masterLinkUp = false
    public var masterHost: String?
    public var masterPort: Int = 0
    public var masterConfigChangedAt: Instant
    public var priority = 100
    public var replicationOffset: Int64 = 0
    public var announced = true
    /// Progress of this replica's move to the promoted replica during a failover.
    public var reconfiguration: Reconfiguration?

    public enum Reconfiguration: Hashable, Sendable {
        case sent(at: Instant)
        case inProgress
        case done
    }

    /// Redis names a replica by its announced `ip:port`; kept, as it is looked up on every event.
    public let name: String

    public init(address: Address, name: String? = nil, downAfter: Int64, now: Instant) {
        self.name = name ?? address.description
        instance = InstanceState(address: address, needsPubsub: true, role: .slave, downAfter: downAfter, now: now)
        masterConfigChangedAt = now
    }
}

public struct PeerSentinel: Hashable, Sendable {
    /// Of `instance.link` only the hello time is this entry's: the connection and its pings are
    /// shared with the other masters that know the peer (`Sentinel.link(of:)`).
    public var instance: InstanceState
    public var lastHello: Instant?
    public var votedLeader: String?
    public var votedLeaderEpoch: Int64 = 0
    /// When the peer last said the master is down; cleared when that answer grows stale.
    public var masterDownReportedAt: Instant?
    /// When the peer last answered IS-MASTER-DOWN-BY-ADDR at all.
    public var lastMasterDownReply: Instant?

    public init(address: Address, runID: String, downAfter: Int64, now: Instant) {
        instance = InstanceState(address: address, needsPubsub: false, role: .master, downAfter: downAfter, now: now)
        instance.runID = runID
    }
}

public struct MasterState: Hashable, Sendable {
    public var settings: MasterConfig
    public var instance: InstanceState
    public var replicas: [ReplicaState] = []
    /// Where each replica sits in `replicas`, kept by `appendReplica` (replicas are never removed
    /// one by one: a reset builds a new master).
    var replicaSlotByName: [String: Int] = [:]
    public var sentinels: [PeerSentinel] = []
    /// Set when INFO shows a new run id and master-reboot-down-after-period is non-zero.
    public var rebootedSince: Instant?
    /// Objective down needs peers' agreement; set by the agreement rules.
    public var objectivelyDownSince: Instant?
    public var isObjectivelyDown: Bool { objectivelyDownSince != nil }
    /// The failover this sentinel runs or follows for this master, if any.
    public var failover: FailoverProgress?
    /// This sentinel's vote for the master's failover leader (the epoch is persisted as leader-epoch).
    public var leader: String?
    /// The epoch of the last failover this sentinel was elected to lead for this master, in this
    /// process (0: none): checked by `Invariant.leadsOncePerEpoch`. Carried over when a reset or a
    /// new address rebuilds this state, since it is still the same master.
    public internal(set) var ledEpoch: Int64 = 0
    /// Our own failover attempts wait until then (Redis's failover_start_time, with its random delay).
    public var failoverStartTime: Instant?
    /// Set when our last election was lost with every vote accounted for and nobody winning: the
    /// next attempt may start then, instead of after twice the failover timeout.
    public var failoverRetryAt: Instant?

    public var name: String { settings.name }

    public init(settings: MasterConfig, now: Instant) {
        self.settings = settings
        instance = InstanceState(
            address: settings.address, needsPubsub: true, role: .master,
            downAfter: settings.downAfterMilliseconds, now: now)
    }

    // Index loops rather than `firstIndex { }` closures: these run on every input, and reading an
    // element through the closure copies the whole element.
    /// A replica's place in `replicas` by name, checked before use and scanned for when wrong: names
    /// are looked up several times per replica on every tick, and a master may list a thousand.
    public func replicaIndex(named name: String) -> Int? {
        if let slot = replicaSlotByName[name], slot < replicas.count, replicas[slot].name == name { return slot }
        for index in replicas.indices where replicas[index].name == name { return index }
        return nil
    }

    /// Every new replica comes in through here, so `replicaIndex(named:)` finds it in one step.
    public mutating func appendReplica(_ replica: ReplicaState) {
        replicaSlotByName[replica.name] = replicas.count
        replicas.append(replica)
    }
    public func replicaIndex(at address: Address) -> Int? {
        for index in replicas.indices where replicas[index].instance.address.sameAs(address) { return index }
        return nil
    }
    public func sentinelIndex(runID: String) -> Int? {
        for index in sentinels.indices where sentinels[index].instance.runID == runID { return index }
        return nil
    }
}
