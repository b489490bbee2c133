/// The deterministic core: every decision of a Vigil process. Time, randomness and I/O results come
/// in as values (`tick`, `handle`, `execute`); what should be done comes out as `Effect`s.
public struct Sentinel: Sendable {
    /// A monitored instance, addressed by stable names rather than array positions.
    public enum Member: Hashable, Sendable {
        case master
        case replica(String)
        case sentinel(String)
    }

    public struct InstanceRef: Hashable, Sendable {
        public var master: String
        public var member: Member
        /// Where the instance sat when the reference was made (the timer's plan knows it): only a
        /// hint, checked against the names on use and left out of equality and hashing. Finding an
        /// instance by name hashes its master's and its own name; a tick visits every instance
        /// several times over, and with hundreds of masters that hashing was a large part of the
        /// cost at rest.
        var position: Position?

        struct Position: Sendable {
            var master: Int
            /// The replica's or peer's index in its master's list; unused for the master itself.
            var member: Int
        }

        public init(master: String, member: Member) {
            self.master = master
            self.member = member
        }

        init(master: String, member: Member, position: Position) {
            self.master = master
            self.member = member
            self.position = position
        }

        public static func == (lhs: InstanceRef, rhs: InstanceRef) -> Bool {
            lhs.master == rhs.master && lhs.member == rhs.member
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(master)
            hasher.combine(member)
        }
    }

    /// Who a connection serves: one master's or replica's instance, or a peer sentinel at one
    /// address, shared by every master that knows it there (see `PeerLinkKey`).
    enum LinkOwner: Hashable, Sendable {
        case instance(InstanceRef, LinkKind)
        case peer(PeerLinkKey)
    }

    /// Directives the core does not act on but keeps for the rewrite (port, bind, dir, ...).
    public private(set) var baseConfig: SentinelConfig
    public private(set) var myID: String
    /// Raised from several places (votes, hellos, failovers); checked on every write rather than at
    /// each, so that no new path can forget it. The initializer's first value is not a write.
    public internal(set) var currentEpoch: Int64 {
        didSet { Invariant.epochNeverDecreases(from: oldValue, to: currentEpoch) }
    }
    public internal(set) var masters = MasterList()
    /// Where each master's name sits in `masters`, so that the lookups every input and instance visit
    /// makes do not compare the name against every master's (with hundreds of masters that scan was
    /// most of the cost at rest). Rebuilt where masters are added or removed; only a hint: a lookup
    /// checks the name it finds and scans when the hint is stale or missing.
    var masterSlots: [String: Int] = [:]
    public var timing = Timing() {
        // The beat's record of quiet masters was judged with the old periods.
        didSet { masters.forgetQuietness() }
    }
    public var environment = SentinelEnvironment()
    /// Hostname (lower-cased) to the IP it last resolved to, with resolve-hostnames (§6).
    var resolvedHosts: [String: String] = [:]
    public internal(set) var settings: GlobalSettings
    var random: SplitMix64
    var nextLinkNumber = 1
    var linkOwners: [LinkID: LinkOwner] = [:]
    /// The connection and ping bookkeeping of each peer sentinel, shared by the masters that know
    /// it (see `refreshPeerLinks`). Never iterated in hash order.
    var peerLinks: [PeerLinkKey: PeerLink] = [:]
    var previousTick: Instant?
    /// The next regular beat of the timer (see `nextTickDelayMilliseconds`); a wakeup before it came
    /// for a master's deadline.
    public internal(set) var nextBeat: Instant?
    public internal(set) var simulateFailure: SimulatedFailures = []
    public internal(set) var scripts = ScriptQueue()
    /// Set while in TILT mode (§3.10).
    public internal(set) var tiltSince: Instant?
    var started = false

    public init(config: SentinelConfig, seed: UInt64, now: Instant) {
        random = SplitMix64(seed: seed)
        baseConfig = config
        currentEpoch = config.currentEpoch
        settings = GlobalSettings(config: config)
        if let id = config.myid {
            myID = id
        } else {
            myID = random.hexIdentifier()
        }
        for masterConfig in config.masters {
            masters.append(Sentinel.makeMaster(masterConfig, now: now))
        }
        reindexMasters()
        var none: [Effect] = []
        refreshPeerLinks(now: now, into: &none)
    }

    /// Rebuilds `masterSlots` after masters were added or removed (the first of equal names wins, as the scan).
    mutating func reindexMasters() {
        masterSlots = [:]
        masterSlots.reserveCapacity(masters.count)
        for index in masters.indices where masterSlots[masters[index].settings.name] == nil {
            masterSlots[masters[index].settings.name] = index
        }
    }

    static func makeMaster(_ config: MasterConfig, now: Instant) -> MasterState {
        var master = MasterState(settings: config, now: now)
        for address in config.knownReplicas where master.replicaIndex(at: address) == nil {
            master.appendReplica(ReplicaState(address: address, downAfter: config.downAfterMilliseconds, now: now))
        }
        for known in config.knownSentinels where master.sentinelIndex(runID: known.runID) == nil {
            master.sentinels.append(
                PeerSentinel(address: known.address, runID: known.runID, downAfter: config.downAfterMilliseconds, now: now))
        }
        master.settings.knownReplicas = []
        master.settings.knownSentinels = []
        return master
    }

    /// Called once when the daemon is up: persists a new myid, announces every master.
    public mutating func start(now: Instant) -> [Effect] {
        guard !started else { return [] }
        started = true
        resolveAllHosts()
        var effects: [Effect] = []
        if baseConfig.myid == nil {
            baseConfig.myid = myID
            effects.append(.persistConfig)
        }
        effects.append(.log(.notice, "Sentinel ID is \(myID)"))
        for master in masters {
            effects += event(about: ref(master.name, .master)) { .monitor($0, quorum: master.settings.quorum) }
        }
        return withScripts(effects, now: now)
    }

    /// Looked up on every input and instance visit: compares names in place, since a closure over
    /// `masters` would copy each `MasterState` (retaining all its arrays) to read its name.
    public func masterIndex(named name: String) -> Int? {
        Sentinel.masterIndex(named: name, in: masters, slots: masterSlots)
    }

    /// For closures, which must not use `self` (that copies the whole core): the lists passed in.
    static func masterIndex(named name: String, in masters: MasterList, slots: [String: Int]) -> Int? {
        if let index = slots[name], index < masters.count, masters[index].settings.name == name { return index }
        for index in masters.indices where masters[index].settings.name == name { return index }
        return nil
    }

    func ref(_ master: String, _ member: Member) -> InstanceRef { InstanceRef(master: master, member: member) }

    /// A reference that remembers where the instance sits now (see `InstanceRef.position`).
    func ref(at m: Int, _ member: Member, index: Int = 0) -> InstanceRef {
        InstanceRef(master: masters[m].settings.name, member: member, position: .init(master: m, member: index))
    }

    /// The master `target` belongs to, through its position hint when that still holds.
    func masterIndex(of target: InstanceRef) -> Int? {
        if let hint = target.position?.master, hint < masters.count, masters[hint].settings.name == target.master { return hint }
        return masterIndex(named: target.master)
    }

    /// A replica's index under master `m`, through the reference's hint when that still holds.
    func replicaIndex(_ m: Int, named name: String, hint: InstanceRef.Position?) -> Int? {
        if let hint = hint?.member, hint < masters[m].replicas.count, masters[m].replicas[hint].name == name { return hint }
        return masters[m].replicaIndex(named: name)
    }

    /// A peer's index under master `m`, through the reference's hint when that still holds.
    func sentinelIndex(_ m: Int, runID: String, hint: InstanceRef.Position?) -> Int? {
        if let hint = hint?.member, hint < masters[m].sentinels.count, masters[m].sentinels[hint].instance.runID == runID { return hint }
        return masters[m].sentinelIndex(runID: runID)
    }

    /// The state of one instance, or nil when it is gone.
    public func instance(_ target: InstanceRef) -> InstanceState? {
        guard let m = masterIndex(of: target) else { return nil }
        // Index loops over the element arrays in place: calling a method on `masters[m]` copies the
        // whole master (every array retained and released), and this runs several times per
        // instance on every tick.
        switch target.member {
        case .master:
            return masters[m].instance
        case .replica(let name):
            guard let r = replicaIndex(m, named: name, hint: target.position) else { return nil }
            return masters[m].replicas[r].instance
        case .sentinel(let runID):
            guard let s = sentinelIndex(m, runID: runID, hint: target.position) else { return nil }
            var state = masters[m].sentinels[s].instance
            if let shared = peerLinks[PeerLinkKey(runID: runID, address: state.address)] {
                state.link = shared.link.withOwnHello(of: state.link)
            }
            return state
        }
    }

    /// What `read` finds in one instance's state, or nil when it is gone: the state is read where it
    /// lies, not copied as `instance(_:)` copies it (every string retained, then released). The timer
    /// asks each instance several questions on every visit, and at rest the answer is almost always
    /// "nothing to do". A peer's state joins its shared link (see `instance(_:)`), so it is a copy.
    /// `read` gets a pointer, valid during the call only and never written through: a state lent as
    /// a borrowed value was still copied whole by the optimiser (`perf`: most of a visit's cost) when
    /// it sat behind MasterList's addressor or an array's buffer. `read` must not use `self` (a closure
    /// that does copies the whole core); callers read what they need of it first.
    func readInstance<Result>(_ target: InstanceRef, _ read: (UnsafePointer<InstanceState>) -> Result) -> Result? {
        guard let m = masterIndex(of: target) else { return nil }
        switch target.member {
        case .master:
            return masters.withMasterPointer(at: m) { master in
                read(Sentinel.masterInstance(master))
            }
        case .replica(let name):
            guard let r = replicaIndex(m, named: name, hint: target.position) else { return nil }
            return masters.withMasterPointer(at: m) { master in
                master.pointee.replicas.withUnsafeBufferPointer { replicas in
                    read(UnsafeRawPointer(replicas.baseAddress! + r).advanced(by: Sentinel.replicaInstanceOffset)
                        .assumingMemoryBound(to: InstanceState.self))
                }
            }
        case .sentinel:
            guard let state = instance(target) else { return nil }
            return withUnsafePointer(to: state) { read($0) }
        }
    }

    /// The instance's own link, in place.
    static func ownLink(_ instance: UnsafePointer<InstanceState>) -> UnsafePointer<InstanceLink> {
        UnsafeRawPointer(instance).advanced(by: instanceLinkOffset).assumingMemoryBound(to: InstanceLink.self)
    }

    /// A master's own instance, in place.
    static func masterInstance(_ master: UnsafePointer<MasterState>) -> UnsafePointer<InstanceState> {
        UnsafeRawPointer(master).advanced(by: masterInstanceOffset).assumingMemoryBound(to: InstanceState.self)
    }

    private static let instanceLinkOffset = MemoryLayout<InstanceState>.offset(of: \InstanceState.link)!
    static let peerInstanceOffset = MemoryLayout<PeerSentinel>.offset(of: \PeerSentinel.instance)!
    static let peerLinkOffset = MemoryLayout<PeerLink>.offset(of: \PeerLink.link)!
    private static let masterInstanceOffset = MemoryLayout<MasterState>.offset(of: \MasterState.instance)!
    static let replicaInstanceOffset = MemoryLayout<ReplicaState>.offset(of: \ReplicaState.instance)!

    /// Applies `change` to one instance's shared state; returns false when it no longer exists.
    @discardableResult
    mutating func withInstance(_ target: InstanceRef, _ change: (inout InstanceState) -> Void) -> Bool {
        guard let m = masterIndex(of: target) else { return false }
        switch target.member {
        case .master:
            change(&masters[m].instance)
        case .replica(let name):
            guard let r = replicaIndex(m, named: name, hint: target.position) else { return false }
            change(&masters[m].replicas[r].instance)
        case .sentinel(let runID):
            guard let s = sentinelIndex(m, runID: runID, hint: target.position) else { return false }
            let key = PeerLinkKey(runID: runID, address: masters[m].sentinels[s].instance.address)
            guard let shared = peerLinks[key] else {
                change(&masters[m].sentinels[s].instance)
                return true
            }
            // The change sees the shared link; what it does to the link goes back to the shared
            // entry, except the master's own hello time, which stays with this master's entry.
            var state = masters[m].sentinels[s].instance
            let ownLink = state.link
            state.link = shared.link.withOwnHello(of: ownLink)
            change(&state)
            peerLinks[key]!.link = state.link.withOwnHello(of: shared.link)
            state.link = ownLink.withOwnHello(of: state.link)
            masters[m].sentinels[s].instance = state
        }
        return true
    }

    /// Every instance in a stable order: each master, then its replicas, then its sentinels.
    func allInstanceRefs() -> [InstanceRef] {
        var refs: [InstanceRef] = []
        for master in masters {
            refs.append(ref(master.name, .master))
            refs += master.replicas.map { ref(master.name, .replica($0.name)) }
            refs += master.sentinels.compactMap { $0.instance.runID.map { ref(master.name, .sentinel($0)) } }
        }
        return refs
    }

    /// The delay before the next tick: Redis varies its timer between about 53 and 100 ms so that
    /// sentinels started together do not act in lockstep; the jitter comes from the seeded generator.
    /// Vigil also wakes exactly when a master's next ping is due or its down-after expires, so that
    /// detection is not rounded up to the next timer beat (up to 100 ms more per step otherwise).
    /// Such a wakeup does not move the beat: it visits only what is due (see `tickPlan(now:)`).
    public mutating func nextTickDelayMilliseconds(now: Instant) -> Int64 {
        if nextBeat.map({ $0 <= now }) ?? true {
            let hz = 10 + random.below(10)
            nextBeat = now + 1000 / hz
        }
        var delay = (nextBeat ?? now) - now
        // A deadline already past is left to the regular beat, so a ping that cannot be sent (a full
        // link) never makes the timer spin.
        // Deadlines closer together than a few ms share one tick: with many masters they would
        // otherwise wake the timer hundreds of times a second.
        if let deadline = nextMasterDeadline(now: now), deadline > now {
            delay = min(delay, max(deadline - now, Sentinel.minimumTickSpacingMilliseconds))
        }
        return delay
    }

    static let minimumTickSpacingMilliseconds: Int64 = 10

    /// The earliest moment a master needs attention: its next ping, its down-after expiring, or its
    /// switchover's next step.
    func nextMasterDeadline(now: Instant) -> Instant? {
        var earliest: Instant?
        func consider(_ instant: Instant?) {
            guard let instant, instant > now else { return }
            earliest = earliest.map { min($0, instant) } ?? instant
        }
        for m in masters.indices {
            let deadlines = masterDeadlines(m)
            consider(deadlines.downAfter)
            consider(deadlines.ping)
            // Only a failover (a coordinated switchover's) has a handover deadline.
            if deadlines.inFailover { consider(handoverDeadline(m, now: now)) }
        }
        return earliest
    }

    /// When a master's down-after expires (counting from when its silence began, as
    /// `checkSubjectivelyDown` does), and when its next ping is due.
    /// Read in place: the timer asks it of every master after every tick, and a copy of the master's
    /// state (every string retained and released) was most of what choosing the next wakeup cost.
    func masterDeadlines(_ m: Int) -> (downAfter: Instant?, ping: Instant?, inFailover: Bool) {
        let timing = timing
        return masters.withMasterPointer(at: m) { master in
            let state = Sentinel.masterInstance(master)
            let link = Sentinel.ownLink(state)
            let inFailover = master.pointee.failover?.state != nil
            let downAfterPeriod = state.pointee.downAfterMilliseconds
            var downAfter: Instant?
            let allowance = Sentinel.silenceAllowance(downAfter: downAfterPeriod, isMaster: true, timing: timing)
            if !state.pointee.isSubjectivelyDown, let silentSince = link.pointee.silentSince(allowance: allowance) {
                downAfter = silentSince + downAfterPeriod + 1
            }
            guard !link.pointee.isDisconnected else { return (downAfter, nil, inFailover) }
            let interval = Sentinel.pingInterval(downAfter: downAfterPeriod, isMaster: true, timing: timing)
            var ping = link.pointee.lastReply + interval + 1
            if let sent = link.pointee.lastPingSent { ping = max(ping, sent + interval / 2 + 1) }
            return (downAfter, ping, inFailover)
        }
    }

    /// Whether a tick at `now` before the beat must visit the master: its down-after has expired,
    /// or its ping is due within the earliness that lets masters be pinged together (see
    /// `masterPingEarliness`), which is what the visit then does.
    func masterIsDue(_ m: Int, now: Instant) -> Bool {
        let deadlines = masterDeadlines(m)
        if let downAfter = deadlines.downAfter, downAfter <= now { return true }
        guard let ping = deadlines.ping else { return false }
        let interval = Sentinel.pingInterval(downAfter: masters[m].instance.downAfterMilliseconds, isMaster: true, timing: timing)
        return ping <= now + Sentinel.masterPingEarliness(interval: interval)
    }

    /// ACL users changed on the client port (ACL SETUSER/DELUSER): kept for the next rewrite.
    public mutating func replaceUsers(_ users: [[String]]) {
        baseConfig.users = users
    }

    /// The configuration as it should be written now: the loaded file's directives plus live state.
    public func currentConfig() -> SentinelConfig {
        var config = baseConfig
        config.myid = myID
        config.currentEpoch = currentEpoch
        settings.apply(to: &config)
        config.masters = masters.indices.map { m in
            let master = masters[m]
            var settings = master.settings
            // From the promotion on, the promoted replica is announced as the master (hello,
            // +switch-master, GET-MASTER-ADDR-BY-NAME) under the failover's config epoch, so the file
            // says the same: a leader that restarted before the failover ended would otherwise come
            // back with the old master under the new epoch, and hellos of an equal epoch never
            // correct it (found by simulation).
            let address = currentMasterAddress(m)
            settings.address = persisted(address)
            settings.knownReplicas = replicaAddresses(m, underMaster: address).map(persisted)
            settings.knownSentinels = master.sentinels.compactMap { peer in
                peer.instance.runID.map { KnownSentinel(address: persisted(peer.instance.address), runID: $0) }
            }
            return settings
        }
        return config
    }
}

/// The global `sentinel` settings that SENTINEL CONFIG SET changes at run time.
public struct GlobalSettings: Hashable, Sendable {
    public var resolveHostnames: Bool
    public var announceHostnames: Bool
    public var announceIP: String?
    public var announcePort: Int
    public var sentinelUser: String?
    public var sentinelPass: String?
    public var denyScriptsReconfig: Bool
    public var loglevel: LogLevel

    init(config: SentinelConfig) {
        resolveHostnames = config.resolveHostnames
        announceHostnames = config.announceHostnames
        announceIP = config.announceIP
        announcePort = config.announcePort
        sentinelUser = config.sentinelUser
        sentinelPass = config.sentinelPass
        denyScriptsReconfig = config.denyScriptsReconfig
        loglevel = config.loglevel
    }

    func apply(to config: inout SentinelConfig) {
        config.resolveHostnames = resolveHostnames
        config.announceHostnames = announceHostnames
        config.announceIP = announceIP
        config.announcePort = announcePort
        config.sentinelUser = sentinelUser
        config.sentinelPass = sentinelPass
        config.denyScriptsReconfig = denyScriptsReconfig
        config.loglevel = loglevel
    }
}
