extension Sentinel {
    /// The periodic work of one timer tick (Redis's sentinelTimer for the monitoring half), every
    /// part of `tickPlan(now:)` in order (see TickStep).
    public mutating func tick(now: Instant) -> [Effect] {
        var effects: [Effect] = []
        for step in tickPlan(now: now) { effects += tickEffects(step, now: now) }
        return withScripts(effects, now: now)
    }

    /// A timer that ran late or backwards means our clock readings cannot be trusted for a while:
    /// every "no reply for N ms" judgement would be wrong, so decisions pause for the tilt period.
    mutating func checkTilt(now: Instant, into effects: inout [Effect]) {
        defer { previousTick = now }
        guard let previous = previousTick else { return }
        let delta = now - previous
        if delta < 0 || delta > timing.tiltTrigger {
            tiltSince = now
            effects.append(.emit(.tiltEntered))
        }
    }

    public mutating func handle(_ input: Input, now: Instant) -> [Effect] {
        withScripts(handleInput(input, now: now), now: now)
    }

    mutating func handleInput(_ input: Input, now: Instant) -> [Effect] {
        switch input {
        case .scriptStarted(let id, let pid):
            return scriptStarted(id, pid: pid, now: now)
        case .scriptFinished(let id, let exitCode, let signal):
            return scriptFinished(id, exitCode: exitCode, signal: signal, now: now)
        case .linkConnected(let id, let localHost):
            return linkConnected(id, localHost: localHost, now: now)
        case .linkClosed(let id, let reason):
            return linkClosed(id, reason: reason)
        case .replyReceived(let id, let purpose, let value):
            return replyReceived(id, purpose, value, now: now)
        case .messageReceived(let id, let channel, let payload):
            // Only masters and replicas have pub/sub connections.
            guard case .instance(let target, _) = linkOwners[id] else { return [] }
            withInstance(target) { $0.link.lastPubsubActivity = now }
            guard channel == Sentinel.helloChannel else { return [] }
            if case .replica = target.member, Hello.isSent(by: myID, payload) {
                withInstance(target) { instance in
                    if instance.link.ownHelloEchoPending > 0 {
                        instance.link.ownHelloEchoPending -= 1
                    } else {
                        instance.link.lastOwnHelloRelayed = now
                    }
                }
            }
            return receiveHello(payload, now: now)
        }
    }

    /// How often the instance's INFO is read. Asked on every visit: the master is found once, and its
    /// failover read through optional chaining, which reads the fields in place (binding it or
    /// comparing it with nil copied the failover's whole state each time).
    func infoPeriod(for target: InstanceRef) -> Int64 {
        guard let m = masterIndex(of: target) else { return timing.infoPeriod }
        switch target.member {
        case .sentinel:
            return timing.infoPeriod
        case .master:
            let timing = timing
            return masters.withMasterPointer(at: m) { Sentinel.masterInfoPeriod($0, timing: timing) }
        case .replica(let name):
            guard let r = replicaIndex(m, named: name, hint: target.position) else { return timing.infoPeriod }
            // A replica whose master is in trouble, or whose replication link is down, is watched every second.
            if masters[m].failover?.state != nil {
                return repointingAfterSwitchover(m) ? Sentinel.switchoverRepointInfoPeriodMilliseconds : Sentinel.failoverInfoPeriodMilliseconds
            }
            // From the master's SDOWN on (not only ODOWN as in Redis): with a short down-after the
            // election is over a few ms after ODOWN, and the replica to promote is chosen from INFO
            // fresher than five ping periods.
            let masterInTrouble = masters[m].isObjectivelyDown || masters[m].instance.isSubjectivelyDown
            if masterInTrouble { return 1_000 }
            return Sentinel.replicaInfoPeriodAtRest(masterLinkDownMilliseconds: masters[m].replicas[r].masterLinkDownMilliseconds, timing: timing)
        }
    }

    /// A master's INFO period, read in place.
    static func masterInfoPeriod(_ master: UnsafePointer<MasterState>, timing: Timing) -> Int64 {
        // During a coordinated switchover the master is alive, and its INFO says which replicas it
        // would hand over to and when it has handed over.
        if master.pointee.failover?.coordinated == true { return Sentinel.failoverInfoPeriodMilliseconds }
        // With a promotion bound, the master's offset is the yardstick: read it every second, so
        // that at most a second of writes escapes the bound.
        if master.pointee.settings.promotionMaxLagBytes > 0 { return Sentinel.boundedMasterInfoPeriodMilliseconds }
        return timing.infoPeriod
    }

    /// A replica's INFO period while its master is well and has no failover: every second while its
    /// replication link is down, else the usual period.
    static func replicaInfoPeriodAtRest(masterLinkDownMilliseconds: Int64, timing: Timing) -> Int64 {
        masterLinkDownMilliseconds != 0 ? 1_000 : timing.infoPeriod
    }

    /// Redis pings once the last reply is min(down-after, ping-period) old, and counts down-after from
    /// the first unanswered ping, so a node that hangs right after answering is seen down only after
    /// down-after plus a ping interval. A master's down-after counts instead from its last valid
    /// reply, while a ping is unanswered (see `InstanceLink.silentSince`): a hang is seen down within
    /// down-after of the last sign of life whatever the ping interval, so a master is pinged at
    /// Redis's pace of once a second whenever down-after is 4 s or more (the default 30 s, the usual
    /// 5 s), and at a quarter of down-after below that, so that a healthy master's last reply is never
    /// older than a quarter of down-after when its ping goes, and a ping must go unanswered for three
    /// quarters of down-after before SDOWN. Replicas and peer sentinels keep Redis's rule and pace:
    /// how soon they are seen down decides no failover's timing.
    func pingInterval(for state: InstanceState, isMaster: Bool) -> Int64 {
        Sentinel.pingInterval(downAfter: state.downAfterMilliseconds, isMaster: isMaster, timing: timing)
    }

    static func pingInterval(downAfter: Int64, isMaster: Bool, timing: Timing) -> Int64 {
        guard isMaster else { return min(timing.pingPeriod, downAfter) }
        return Sentinel.masterPingInterval(downAfter: downAfter, pingPeriod: timing.pingPeriod)
    }

    /// How often a master is pinged (see `pingInterval`); the at-rest tests check the schedule against it.
    public static func masterPingInterval(downAfter: Int64, pingPeriod: Int64 = Timing().pingPeriod) -> Int64 {
        min(pingPeriod, max(downAfter / 4, 10))
    }

    /// How far before its unanswered ping a master's silence may be counted from (see `silentSince`).
    func silenceAllowance(for state: InstanceState, isMaster: Bool) -> Int64 {
        Sentinel.silenceAllowance(downAfter: state.downAfterMilliseconds, isMaster: isMaster, timing: timing)
    }

    static func silenceAllowance(downAfter: Int64, isMaster: Bool, timing: Timing) -> Int64 {
        isMaster ? pingInterval(downAfter: downAfter, isMaster: true, timing: timing) : 0
    }

    /// How early a master's ping may go: the timer wakes when one master's ping is due (see
    /// `nextTickDelayMilliseconds`), and that tick also pings every master due within a quarter of
    /// the interval. Each master keeps its own phase otherwise (set by when its last reply came),
    /// and with hundreds of masters those phases fill the second: the timer woke every 10 ms and
    /// walked every instance each time. Pinged together, masters fall into at most four phases per
    /// interval. A ping only ever goes earlier, never later, and down-after counts from the last valid
    /// reply (see `silentSince`), so detection is as soon as before.
    static func masterPingEarliness(interval: Int64) -> Int64 { interval / 4 }

    mutating func sendPeriodicCommands(_ target: InstanceRef, now: Instant, into effects: inout [Effect]) {
        // Sending changes none of what the decisions read, so they are taken first, in one read.
        guard let due = periodicCommandsDue(target, now: now) else { return }
        guard due.connected else {
            // A switchover's transactions end with CLIENT KILL TYPE pubsub, which drops our own pub/sub
            // link to each node they change (Redis's do the same); that node's INFO is still read over
            // the command link meanwhile, rather than a second later once both links are back.
            if due.info, due.commandConnected, let m = masterIndex(of: target), masters[m].failover?.coordinated == true {
                sendInfo(target, into: &effects)
            }
            return
        }
        if due.info { sendInfo(target, into: &effects) }
        if due.ping { sendPing(target, now: now, into: &effects) }
        if due.hello, !writesPausedByHandover(target) {
            if replicaHearsMastersHellos(target, now: now) {
                // Counted as sent, so that the replica's hello clock runs as before.
                withInstance(target) { $0.link.lastHelloPublished = now }
            } else {
                publishHello(target, now: now, into: &effects)
                // Its echo on the node's channel is ours, not a relay's.
                withInstance(target) { $0.link.ownHelloEchoPending = 1 }
            }
        }
    }

    /// Whether a replica's subscribers hear our hellos about its master without our publishing to
    /// the replica. Redis propagates a master's PUBLISH to its replicas (outside cluster mode), so
    /// each hello published on the master reaches every subscriber of a replica that replicates
    /// from it: Redis Sentinel's own hello to that replica is a second copy of it, which every
    /// sentinel subscribed there reads again. Only a replica that is plainly replicating from a
    /// master that plainly takes our hellos is left out:
    /// * the master answers (a reply within a publish period), is not down by our view, and has no
    ///   failover (a switchover's write pause holds PUBLISH back on the master);
    /// * the replica's INFO, at most two INFO periods old, says it replicates from the master's
    ///   address with its link up;
    /// * the replica's channel shows it: our pub/sub link to it is up, and heard one of our own
    ///   hellos relayed from the master (one beyond the echo of each we published to the replica
    ///   itself) within two publish periods, or has been up for less (our hellos to the master go
    ///   at most 2.75 s apart). A replica that reports replicating and relays nothing (one that
    ///   lies in INFO, or a stream that carries nothing) would otherwise hear nothing of ours, and
    ///   its pub/sub link would be closed as idle after three periods and reopened, again and
    ///   again.
    /// Anything else (a broken replication link, a replica following another node, a master that
    /// hangs or is lost, an INFO too old) gets the hello directly, as Redis sends it. Leaving the
    /// copy out removes, per master and hello period, one PUBLISH and its reply, and one message on
    /// the replica's channel for every sentinel subscribed there.
    func replicaHearsMastersHellos(_ target: InstanceRef, now: Instant) -> Bool {
        guard case .replica(let name) = target.member, let m = masterIndex(of: target),
            let r = replicaIndex(m, named: name, hint: target.position)
        else { return false }
        let publishPeriod = timing.publishPeriod, infoValidity = 2 * timing.infoPeriod
        return masters.withMasterPointer(at: m) { master in
            let masterInstance = Sentinel.masterInstance(master)
            let masterLink = Sentinel.ownLink(masterInstance)
            guard master.pointee.failover == nil, master.pointee.objectivelyDownSince == nil,
                !masterInstance.pointee.isSubjectivelyDown, masterLink.pointee.commandConnected,
                now - masterLink.pointee.lastReply < publishPeriod
            else { return false }
            return master.pointee.replicas.withUnsafeBufferPointer { replicas in
                let replica = replicas.baseAddress! + r
                guard replica.pointee.masterLinkUp, replica.pointee.instance.roleReported == .slave,
                    let refreshed = replica.pointee.instance.infoRefreshed, now - refreshed <= infoValidity,
                    replica.pointee.instance.link.pubsubConnected, let connected = replica.pointee.instance.link.pubsubConnectedSince,
                    now - max(connected, replica.pointee.instance.link.lastOwnHelloRelayed ?? connected) <= 2 * publishPeriod
                else { return false }
                let masterAddress = masterInstance.pointee.address
                return replica.pointee.masterPort == masterAddress.port && replica.pointee.masterHost == masterAddress.host
            }
        }
    }

    /// What one visit sends an instance (see `sendPeriodicCommands`).
    struct PeriodicCommandsDue {
        var connected: Bool
        var commandConnected: Bool
        var info: Bool
        var ping: Bool
        var hello: Bool
    }

    /// What decides whether a visit sends something, read from the core before the instance is.
    struct PeriodicRules {
        var pendingLimit: Int
        var isSentinel: Bool
        var isMaster: Bool
        var infoPeriod: Int64
        var timing: Timing
    }

    func periodicRules(_ target: InstanceRef) -> PeriodicRules {
        let isSentinel = if case .sentinel = target.member { true } else { false }
        let isMaster = if case .master = target.member { true } else { false }
        return PeriodicRules(pendingLimit: pendingCommandsLimit(target), isSentinel: isSentinel, isMaster: isMaster,
                             infoPeriod: isSentinel ? 0 : infoPeriod(for: target), timing: timing)
    }

    /// Read in place (see `readInstance`): `self` is read before, never inside the closure.
    func periodicCommandsDue(_ target: InstanceRef, now: Instant) -> PeriodicCommandsDue? {
        let rules = periodicRules(target)
        return readInstance(target) { Sentinel.periodicCommandsDue($0, link: Sentinel.ownLink($0), rules, now: now) } ?? nil
    }

    /// `link` is the connection the instance is reached by: its own, or for a peer the shared one
    /// (see `peerVisitIsQuiet`). The hello time is always the entry's own (see `withOwnHello`).
    static func periodicCommandsDue(
        _ instance: UnsafePointer<InstanceState>, link: UnsafePointer<InstanceLink>, _ rules: PeriodicRules, now: Instant
    ) -> PeriodicCommandsDue? {
        guard link.pointee.pendingCommands < rules.pendingLimit else { return nil }
        let infoAge = instance.pointee.infoRefreshed.map { now - $0 }
        guard !link.pointee.isDisconnected else {
            let infoDue = !rules.isSentinel && (infoAge == nil || infoAge! > rules.infoPeriod)
            return PeriodicCommandsDue(connected: false, commandConnected: link.pointee.commandConnected, info: infoDue, ping: false, hello: false)
        }
        let pingInterval = Sentinel.pingInterval(downAfter: instance.pointee.downAfterMilliseconds, isMaster: rules.isMaster, timing: rules.timing)
        // A master's ping is also sent when it would fall due before a quarter of its interval
        // from now (see `masterPingEarliness`); an unanswered one is repeated at Redis's pace.
        let early = rules.isMaster ? Sentinel.masterPingEarliness(interval: pingInterval) : 0
        var pingDue = now + early - link.pointee.lastReply > pingInterval
            && (link.pointee.lastPingSent.map { now - $0 > pingInterval / 2 } ?? true)
        let helloAge = instance.pointee.link.lastHelloPublished.map { now - $0 }
        guard !rules.isSentinel else {
            return PeriodicCommandsDue(connected: true, commandConnected: true, info: false, ping: pingDue,
                                       hello: helloAge == nil || helloAge! > rules.timing.publishPeriod)
        }
        // An INFO or a hello goes with a ping when one goes near its time (see `rideAlong`).
        let info = Sentinel.rideAlong(period: rules.infoPeriod, pingInterval: pingInterval)
        let hello = Sentinel.rideAlong(period: rules.timing.publishPeriod, pingInterval: pingInterval)
        let infoAlone = infoAge == nil || infoAge! > rules.infoPeriod + info.late
        let helloAlone = helloAge == nil || helloAge! > rules.timing.publishPeriod + hello.late
        if !pingDue, infoAlone || helloAlone, link.pointee.lastPingSent.map({ now - $0 > pingInterval / 2 }) ?? true { pingDue = true }
        let infoDue = infoAlone || (pingDue && infoAge! > rules.infoPeriod - info.early)
        let helloDue = helloAlone || (pingDue && helloAge! > rules.timing.publishPeriod - hello.early)
        return PeriodicCommandsDue(connected: true, commandConnected: true, info: infoDue, ping: pingDue, hello: helloDue)
    }

    /// How long before and after its period a master's or replica's INFO or hello may go, so that it
    /// leaves with a ping. Sent together, they leave in one write and their replies come back in one
    /// read, where apart each costs a write on our side, a read on the node's, then a reply and a read
    /// on ours again. The window is a ping interval wide, a quarter before the period and three
    /// quarters after, so at rest a ping always falls in it: pings go about once a second (a master's
    /// up to a quarter early), so a hello goes with every second or third ping, 1.75 to 2.75 s apart,
    /// and an INFO with about every tenth. A command whose window passes without a ping goes alone,
    /// and takes a ping with it if Redis's pace allows one (the last went over half an interval
    /// ago), which brings the two back in step. A period under two ping intervals (INFO every second
    /// while a master is down or failing over) is not made later. Peers are left out: their pings
    /// are the shared link's, their hellos each master's. A hello forced out (`lastHelloPublished`
    /// cleared, as after a switch) still goes at once.
    static func rideAlong(period: Int64, pingInterval: Int64) -> (early: Int64, late: Int64) {
        (min(pingInterval / 4, period / 2), period >= 2 * pingInterval ? pingInterval * 3 / 4 : 0)
    }

    /// What INFO asks a node for: the sections the core reads (`run_id` is in `server`; role, links,
    /// offsets, priority and the replica list in `replication`), not all of them. A whole INFO from
    /// Redis 7.0 is about 4.9 KB and these two about 0.9 KB: every node is asked every 10 s (every
    /// second during a failover), each reply is read, parsed and kept for `SENTINEL INFO-CACHE`, and
    /// each link's receive buffer keeps the size of its largest reply. Redis 7.0 takes several
    /// sections; a node that refuses them is asked for everything (`infoRefused`).
    public static let infoRequest = ["INFO", "server", "replication"]

    mutating func sendInfo(_ target: InstanceRef, into effects: inout [Effect]) {
        let everySection = readInstance(target) { $0.pointee.infoSectionsRefused } ?? false
        sendCommand(target, everySection ? ["INFO"] : Sentinel.infoRequest, .info, into: &effects)
    }

    /// An INFO that came back as an error. Redis before 7.0 answers two sections with `ERR syntax
    /// error`: that node is asked again at once for every section, and from then on. Other errors
    /// (`NOAUTH`, `LOADING`, `BUSY`) are about the node's state, not the request, and change nothing.
    mutating func infoRefused(_ target: InstanceRef, _ message: String, into effects: inout [Effect]) {
        guard message.hasPrefix("ERR"), readInstance(target, { $0.pointee.infoSectionsRefused }) == false else { return }
        withInstance(target) { $0.infoSectionsRefused = true }
        sendInfo(target, into: &effects)
    }

    mutating func publishHello(_ target: InstanceRef, now: Instant, into effects: inout [Effect]) {
        guard let payload = helloPayload(for: target) else { return }
        sendCommand(target, ["PUBLISH", Sentinel.helloChannel, payload], .publishHello(master: target.master), into: &effects)
        withInstance(target) { $0.link.lastHelloPublished = now }
    }

    /// Our hello about the master, to every peer we are connected to, at once.
    mutating func publishHellosToPeers(_ m: Int, now: Instant, into effects: inout [Effect]) {
        for s in masters[m].sentinels.indices {
            guard let runID = masters[m].sentinels[s].instance.runID else { continue }
            let peer = ref(masters[m].name, .sentinel(runID))
            // The peer's link is the one shared by every master that knows it.
            let link = link(of: masters[m].sentinels[s])
            guard !link.isDisconnected, link.pendingCommands < pendingCommandsLimit(peer) else { continue }
            publishHello(peer, now: now, into: &effects)
        }
    }

    /// The 8-field hello about the master `target` belongs to (§5). Each field is read where it lies:
    /// a hello leaves for every node and peer every 2 s, and copying the master and the instance for
    /// it (every array and string retained and released) was half of what publishing cost.
    func helloPayload(for target: InstanceRef) -> String? {
        guard let m = masterIndex(of: target) else { return nil }
        let announceHost = settings.announceIP.flatMap { $0.isEmpty ? nil : $0 } ?? localHost(of: target)
        guard let announceHost else { return nil }
        let port = settings.announcePort != 0 ? settings.announcePort : baseConfig.helloPort ?? baseConfig.port
        let address = currentMasterAddress(m)
        return "\(announceHost),\(port),\(myID),\(currentEpoch),\(masters[m].name),\(announcedHost(address)),\(address.port),\(masters[m].settings.configEpoch)"
    }

    /// Our own address on the connection that reaches `target` (a peer's is the shared one, see
    /// `instance(_:)`), once it is up.
    func localHost(of target: InstanceRef) -> String? {
        if case .sentinel = target.member, let key = peerLinkKey(of: target), let index = peerLinks.index(forKey: key) {
            return peerLinks.values[index].link.localHost
        }
        return readInstance(target) { $0.pointee.link.localHost } ?? nil
    }

    /// Drops links that look stuck, so that they are opened again (§3.2).
    mutating func closeIdleLinks(_ target: InstanceRef, now: Instant, into effects: inout [Effect]) {
        let timing = timing
        guard let stuck = readInstance(target, { Sentinel.stuckLinks($0, link: Sentinel.ownLink($0), timing: timing, now: now) }) else { return }
        if stuck.command {
            closeLinks(of: target, kind: .command, into: &effects)
            // A peer's link is shared by every master that knows the peer, and the beat has already
            // judged the peer's other entries by the link as it was: they would reopen it only at the
            // next beat. It is reopened at once, as in Redis the peer's next entry in the same timer
            // pass reopens it.
            if case .sentinel = target.member { reconnect(target, now: now, into: &effects) }
        }
        if stuck.pubsub { closeLinks(of: target, kind: .pubsub, into: &effects) }
    }

    static func stuckLinks(
        _ instance: UnsafePointer<InstanceState>, link: UnsafePointer<InstanceLink>, timing: Timing, now: Instant
    ) -> (command: Bool, pubsub: Bool) {
        // Each field is read through the pointer: `let link = instance.pointee.link` copies the link.
        let halfDownAfter = instance.pointee.downAfterMilliseconds / 2
        var commandStuck = false
        if link.pointee.commandConnected,
            let since = link.pointee.commandConnectedSince, now - since > timing.minLinkReconnectPeriod,
            let pingSince = link.pointee.activePingSince, now - pingSince > halfDownAfter,
            now - link.pointee.lastReply > halfDownAfter
        {
            commandStuck = true
        }
        var pubsubStuck = false
        if link.pointee.pubsubConnected,
            let since = link.pointee.pubsubConnectedSince, now - since > timing.minLinkReconnectPeriod,
            let activity = link.pointee.lastPubsubActivity, now - activity > 3 * timing.publishPeriod
        {
            pubsubStuck = true
        }
        return (commandStuck, pubsubStuck)
    }

    mutating func checkSubjectivelyDown(_ target: InstanceRef, now: Instant, into effects: inout [Effect]) {
        guard let m = masterIndex(of: target), let (silent, wasDown) = silentAndDown(target, now: now) else { return }
        let isMaster = if case .master = target.member { true } else { false }
        let down = silent || (isMaster && rebootedPastItsPeriod(m, now: now))
        if down && !wasDown {
            withInstance(target) { instance in
                instance.isSubjectivelyDown = true
                instance.subjectiveDownSince = now
            }
            effects += event(about: target) { .subjectivelyDown($0) }
        } else if !down && wasDown {
            withInstance(target) { instance in
                instance.isSubjectivelyDown = false
                instance.scriptKillSent = false
            }
            effects += event(about: target) { .subjectivelyDownCleared($0) }
        }
    }

    /// Whether master `m` rebooted longer ago than its `master-reboot-down-after-period`: it counts
    /// as down until then (§3.10).
    func rebootedPastItsPeriod(_ m: Int, now: Instant) -> Bool {
        masters.withMasterPointer(at: m) { Sentinel.rebootedPastItsPeriod($0, now: now) }
    }

    static func rebootedPastItsPeriod(_ master: UnsafePointer<MasterState>, now: Instant) -> Bool {
        guard let rebooted = master.pointee.rebootedSince else { return false }
        return now - rebooted > master.pointee.settings.masterRebootDownAfterPeriodMilliseconds
    }

    /// Whether the instance has been silent (or a master has said it is a replica) past down-after,
    /// and whether it is SDOWN now; read in place (see `readInstance`).
    func silentAndDown(_ target: InstanceRef, now: Instant) -> (silent: Bool, isSubjectivelyDown: Bool)? {
        let isMaster = if case .master = target.member { true } else { false }
        let timing = timing
        return readInstance(target) { Sentinel.silentAndDown($0, link: Sentinel.ownLink($0), isMaster: isMaster, timing: timing, now: now) }
    }

    static func silentAndDown(
        _ instance: UnsafePointer<InstanceState>, link: UnsafePointer<InstanceLink>, isMaster: Bool, timing: Timing, now: Instant
    ) -> (silent: Bool, isSubjectivelyDown: Bool) {
        let downAfter = instance.pointee.downAfterMilliseconds
        let allowance = Sentinel.silenceAllowance(downAfter: downAfter, isMaster: isMaster, timing: timing)
        var silent = link.pointee.unansweredFor(now: now, allowance: allowance) > downAfter
        if isMaster && instance.pointee.roleReported == .slave && now - instance.pointee.roleReportedAt > downAfter + 2 * timing.infoPeriod {
            silent = true
        }
        return (silent, instance.pointee.isSubjectivelyDown)
    }

    /// Whether visiting `target` now would do nothing but the master's ODOWN check: no link to open,
    /// nothing to send, no stuck link, no TILT to leave, no change of SDOWN. Most visits are such;
    /// this reads the instance once where the visit's parts read it four times. Each condition is
    /// the part's own (the same functions), and a part that finds nothing to do changes nothing,
    /// so skipping them all is the same as running them in turn. A peer's entry is read in place
    /// beside its shared link (`peerVisitIsQuiet`): the beat asks this of every peer under every
    /// master 10 to 19 times a second, and joining them into a copy (`instance(_:)`) and looking the
    /// link up twice was a third of what the beat cost with three sentinels.
    func visitIsQuiet(_ target: InstanceRef, now: Instant) -> Bool {
        guard tiltSince == nil, let m = masterIndex(of: target) else { return false }
        if case .master = target.member { return masterVisitIsQuiet(m, now: now) }
        if case .sentinel(let runID) = target.member {
            guard let s = sentinelIndex(m, runID: runID, hint: target.position) else { return false }
            let timing = timing, peerLinks = peerLinks
            return masters.withMasterPointer(at: m) { master in
                master.pointee.sentinels.withUnsafeBufferPointer { peers in
                    let entry = UnsafeRawPointer(peers.baseAddress! + s).advanced(by: Sentinel.peerInstanceOffset)
                        .assumingMemoryBound(to: InstanceState.self)
                    return Sentinel.peerVisitIsQuiet(entry, peerLinks: peerLinks, timing: timing, now: now)
                }
            }
        }
        let rules = periodicRules(target)
        let rebooted = rules.isMaster && rebootedPastItsPeriod(m, now: now)
        return readInstance(target) { instance in
            Sentinel.visitIsQuiet(instance, link: Sentinel.ownLink(instance), rules, rebooted: rebooted, now: now)
        } ?? false
    }

    /// `visitIsQuiet` for master `m`'s own visit, by its place and in place: the beat asks it of every
    /// master 10 to 19 times a second, and a reference to each (its name retained) found again by
    /// name for every rule was most of what the beat cost with one sentinel.
    func masterVisitIsQuiet(_ m: Int, now: Instant) -> Bool {
        guard tiltSince == nil else { return false }
        let timing = timing
        return masters.withMasterPointer(at: m) { master in
            let own = Sentinel.masterVisit(master, timing: timing)
            return Sentinel.visitIsQuiet(own.instance, link: Sentinel.ownLink(own.instance), own.rules,
                                         rebooted: Sentinel.rebootedPastItsPeriod(master, now: now), now: now)
        }
    }

    /// A master's own state, in place (see `readInstance`), and the rules its visit applies.
    static func masterVisit(_ master: UnsafePointer<MasterState>, timing: Timing) -> (instance: UnsafePointer<InstanceState>, rules: PeriodicRules) {
        let rules = PeriodicRules(pendingLimit: CoreLimits.maxPendingCommandsPerLink, isSentinel: false, isMaster: true,
                                  infoPeriod: Sentinel.masterInfoPeriod(master, timing: timing), timing: timing)
        return (Sentinel.masterInstance(master), rules)
    }

    /// `visitIsQuiet` for a peer's entry (with a run id), read in place beside the link it is reached
    /// by: the shared one when the table has it (see `instance(_:)`), else the entry's own, with the
    /// pending bound of that link (`pendingCommandsLimit`). Callers read `peerLinks` and `timing`
    /// into locals first (see `readInstance`).
    static func peerVisitIsQuiet(
        _ entry: UnsafePointer<InstanceState>, peerLinks: [PeerLinkKey: PeerLink], timing: Timing, now: Instant
    ) -> Bool {
        guard let runID = entry.pointee.runID, let shared = peerLinks[PeerLinkKey(runID: runID, address: entry.pointee.address)] else {
            return peerVisitIsQuiet(entry, sharedLink: nil, timing: timing, now: now)
        }
        return withUnsafePointer(to: shared) { peerVisitIsQuiet(entry, sharedLink: $0, timing: timing, now: now) }
    }

    /// `peerVisitIsQuiet` once the entry's shared link is found (nil: the table has none for it).
    static func peerVisitIsQuiet(
        _ entry: UnsafePointer<InstanceState>, sharedLink: UnsafePointer<PeerLink>?, timing: Timing, now: Instant
    ) -> Bool {
        var rules = PeriodicRules(pendingLimit: CoreLimits.maxPendingCommandsPerLink, isSentinel: true, isMaster: false, infoPeriod: 0, timing: timing)
        guard let sharedLink else { return visitIsQuiet(entry, link: ownLink(entry), rules, rebooted: false, now: now) }
        rules.pendingLimit = peerPendingLimit(refcount: sharedLink.pointee.refcount)
        let link = UnsafeRawPointer(sharedLink).advanced(by: peerLinkOffset).assumingMemoryBound(to: InstanceLink.self)
        return visitIsQuiet(entry, link: link, rules, rebooted: false, now: now)
    }

    /// The first instant at which a visit that is quiet now (`visitIsQuiet`) may stop being quiet
    /// while nothing changes the instance: each rule it applies is a clock that runs out (`now - x >
    /// period`), and this is when the first of them does. Nothing but time is taken into account, so
    /// the answer holds only as long as the instance's state does (see `MasterList.quietUntil`). A
    /// master's reboot period is the caller's (`rebootedSince`, `rebootPeriod`). `.max` when no clock
    /// runs (its links have as many commands pending as allowed, or it is down and stays so).
    static func quietDeadline(
        _ instance: UnsafePointer<InstanceState>, link: UnsafePointer<InstanceLink>, _ rules: PeriodicRules,
        rebootedSince: Instant?, rebootPeriod: Int64
    ) -> Instant {
        let timing = rules.timing
        var deadline = Instant(milliseconds: .max)
        func clock(from start: Instant, runsFor period: Int64) { deadline = min(deadline, start + period + 1) }
        let downAfter = instance.pointee.downAfterMilliseconds
        if link.pointee.pendingCommands < rules.pendingLimit {
            let interval = Sentinel.pingInterval(downAfter: downAfter, isMaster: rules.isMaster, timing: timing)
            // An INFO or a hello alone may wait past its period for a ping (see `rideAlong`).
            let infoLate = rules.isSentinel ? 0 : Sentinel.rideAlong(period: rules.infoPeriod, pingInterval: interval).late
            let helloLate = rules.isSentinel ? 0 : Sentinel.rideAlong(period: timing.publishPeriod, pingInterval: interval).late
            if !rules.isSentinel, let refreshed = instance.pointee.infoRefreshed { clock(from: refreshed, runsFor: rules.infoPeriod + infoLate) }
            let early = rules.isMaster ? Sentinel.masterPingEarliness(interval: interval) : 0
            // Both of the ping's conditions must hold: the later of the two clocks.
            let byReply = link.pointee.lastReply + (interval - early) + 1
            let byLastPing = link.pointee.lastPingSent.map { $0 + interval / 2 + 1 } ?? byReply
            deadline = min(deadline, max(byReply, byLastPing))
            if let published = instance.pointee.link.lastHelloPublished { clock(from: published, runsFor: timing.publishPeriod + helloLate) }
        }
        let halfDownAfter = downAfter / 2
        if link.pointee.commandConnected, let since = link.pointee.commandConnectedSince, let pingSince = link.pointee.activePingSince {
            deadline = min(deadline, max(since + timing.minLinkReconnectPeriod, pingSince + halfDownAfter, link.pointee.lastReply + halfDownAfter) + 1)
        }
        if link.pointee.pubsubConnected, let since = link.pointee.pubsubConnectedSince, let activity = link.pointee.lastPubsubActivity {
            deadline = min(deadline, max(since + timing.minLinkReconnectPeriod, activity + 3 * timing.publishPeriod) + 1)
        }
        // Down stays down while nothing changes; up lasts until the first reason for down.
        guard !instance.pointee.isSubjectivelyDown else { return deadline }
        let allowance = Sentinel.silenceAllowance(downAfter: downAfter, isMaster: rules.isMaster, timing: timing)
        if let silentSince = link.pointee.silentSince(allowance: allowance) { clock(from: silentSince, runsFor: downAfter) }
        if rules.isMaster && instance.pointee.roleReported == .slave {
            clock(from: instance.pointee.roleReportedAt, runsFor: downAfter + 2 * timing.infoPeriod)
        }
        if let rebootedSince { clock(from: rebootedSince, runsFor: rebootPeriod) }
        return deadline
    }

    static func visitIsQuiet(
        _ instance: UnsafePointer<InstanceState>, link: UnsafePointer<InstanceLink>, _ rules: PeriodicRules, rebooted: Bool, now: Instant
    ) -> Bool {
        if Sentinel.mayReconnect(instance, link: link) { return false }
        if let due = Sentinel.periodicCommandsDue(instance, link: link, rules, now: now), !due.connected || due.info || due.ping || due.hello {
            return false
        }
        let stuck = Sentinel.stuckLinks(instance, link: link, timing: rules.timing, now: now)
        if stuck.command || stuck.pubsub { return false }
        let (silent, wasDown) = Sentinel.silentAndDown(instance, link: link, isMaster: rules.isMaster, timing: rules.timing, now: now)
        return (silent || rebooted) == wasDown
    }
}
