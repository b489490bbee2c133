/// One part of a timer tick. `tick(now:)` runs them all in one go (the simulator and the tests);
/// the daemon runs each part that may persist (`mayPersist`) as its own batch, and the parts between
/// them as one batch that is never undone, because a config write that fails undoes its batch:
/// a part that persists (a failover starting takes a new epoch, a finished failover switches the
/// master) must not take every other master's pings, INFO, hellos and SDOWN checks down with it,
/// or a broken disk would stop all monitoring and leave false SDOWNs behind once it works again.
public enum TickStep: Hashable, Sendable {
    /// TILT detection and overdue scripts.
    case begin
    /// One instance's monitoring: reconnect, PING/INFO/hello, idle links, TILT exit, SDOWN, and for
    /// a master ODOWN (a view, never persisted: it stays visible while a failover cannot be saved).
    case visit(Sentinel.InstanceRef)
    /// One master's decisions: starting and advancing its failover, asking peers. The master's
    /// reference carries its position, so that the step finds it without hashing its name.
    case decide(master: Sentinel.InstanceRef)
    /// Failovers that reached UPDATE_CONFIG switch their master (after every master was visited).
    case finish

    /// `begin` and `visit` never ask for a config write: nothing they change is persisted. The driver
    /// relies on it (it keeps no undo copy for them) and stops the process if it is ever broken.
    public var neverPersists: Bool {
        switch self {
        case .begin, .visit: true
        case .decide, .finish: false
        }
    }
}

extension Sentinel {
    /// Every part a tick can have, in the order `tick(now:)` runs them: each master's own visit and
    /// decisions, then its replicas and peers, as Redis visits them. The beat leaves out the parts
    /// that would do nothing (`beatPlan`).
    public func tickPlan() -> [TickStep] {
        var steps: [TickStep] = [.begin]
        var count = 2
        for m in masters.indices { count += 2 + masters[m].replicas.count + masters[m].sentinels.count }
        steps.reserveCapacity(count)
        for m in masters.indices { appendGroup(m, to: &steps) }
        steps.append(.finish)
        return steps
    }

    /// A master's own visit and decisions, then its replicas and peers.
    func appendGroup(_ m: Int, to steps: inout [TickStep]) {
        steps.append(.visit(ref(at: m, .master)))
        steps.append(.decide(master: ref(at: m, .master)))
        for r in masters[m].replicas.indices { steps.append(.visit(ref(at: m, .replica(masters[m].replicas[r].name), index: r))) }
        appendPeers(m, to: &steps)
    }

    func appendPeers(_ m: Int, to steps: inout [TickStep]) {
        for s in masters[m].sentinels.indices {
            if let runID = masters[m].sentinels[s].instance.runID { steps.append(.visit(ref(at: m, .sentinel(runID), index: s))) }
        }
    }

    /// The parts of a tick at `now`. On the regular beat (see `nextTickDelayMilliseconds`), or when
    /// no beat was planned, every instance that has something to do (`beatPlan`). A tick before the
    /// beat came for a master's deadline (its ping, or its down-after expiring): it visits the masters
    /// whose ping or down-after is due (and decides for them), plus every master with decisions
    /// pending, with its replicas and peers, as the beat would. The others wait for the beat, as in
    /// Redis, whose timer visits everything 10 to 19 times a second: with hundreds of masters each
    /// wakeup visiting every instance was most of Vigil's cost at rest.
    public mutating func tickPlan(now: Instant) -> [TickStep] {
        guard let beat = nextBeat, now < beat else { return beatPlan(now: now) }
        var steps: [TickStep] = [.begin]
        for m in masters.indices {
            if hasDecisionsPending(m) {
                appendGroup(m, to: &steps)
            } else if masterIsDue(m, now: now) {
                steps.append(.visit(ref(at: m, .master)))
                steps.append(.decide(master: ref(at: m, .master)))
            }
        }
        steps.append(.finish)
        return steps
    }

    /// The beat: `tickPlan()` less the parts that would do nothing. A master with no decisions
    /// pending whose visit is quiet (`visitIsQuiet`: nothing to send, reconnect, close or judge;
    /// with no decisions pending it is neither SDOWN nor ODOWN, so the ODOWN check has nothing to
    /// change either) has neither its visit nor its decisions planned, and then each replica and
    /// peer is planned only when its own visit is not quiet. At rest almost every visit is quiet:
    /// planning each one as its own part, finding its instance again and running it was most of
    /// what the beat cost.
    ///
    /// Judged before the tick runs: a skipped visit stays quiet until its turn, because what runs
    /// before it in the tick touches other masters' instances (a replica belongs to one master),
    /// its own master's parts do nothing (they are skipped for the same reason), and `begin`
    /// entering TILT changes no visit that has nothing due. A peer's link is shared by every master
    /// that knows the peer, so another master's visit may act on it first; but what a visit does to
    /// a link (reconnect it, close it as stuck, ping it) it does for a reason every entry of the
    /// link sees at the same instant, so none of them was judged quiet, and a ping sent leaves the
    /// others less to do, not more. Debug builds check each skipped visit, as `tickEffects` checks
    /// the quiet ones it runs, and the simulation checks at the end of every beat that each visit
    /// left out still has nothing to do (`visitsLeftOut`).
    ///
    /// The members of a quiet master are judged by their place, in place (`quietReplicas`,
    /// `quietPeers`): building a reference for each (its master's name and its own retained) and
    /// finding the instance again through it was most of what the beat still cost with three
    /// sentinels. A reference is built only for a visit that is planned.
    ///
    /// A master whose visit and replicas' visits were all quiet is noted quiet until the first of
    /// their clocks runs out (`quietDeadline`, `MasterList.quietUntil`); until then, and while nothing
    /// changes the master, later beats judge only its peers. At rest most masters are quiet for
    /// hundreds of milliseconds between their pings, hellos and INFO, and the beat comes every 50
    /// to 100: reaching each master's state 10 to 19 times a second to find nothing to do was most of
    /// what the beat still cost with one sentinel. The peers' links are shared and change without
    /// their masters (see `peerVisitIsQuiet`), so peers are judged on every beat.
    mutating func beatPlan(now: Instant) -> [TickStep] {
        var steps: [TickStep] = [.begin]
        var busyReplicas: [Int] = []
        var busyPeers: [Int] = []
        let sharedLinks = SharedPeerLinks(peerLinks)
        for m in masters.indices {
            busyReplicas.removeAll(keepingCapacity: true)
            busyPeers.removeAll(keepingCapacity: true)
            var hasPeers = true
            if tiltSince == nil && masters.isKnownQuiet(m, at: now) {
                assert(!hasDecisionsPending(m) && masterVisitIsQuiet(m, now: now), "master \(m) noted quiet is not")
                // Without peers, nothing of the master is reached at all.
                hasPeers = masters.knownQuietHasPeers(m)
                assert(hasPeers || masters[m].sentinels.isEmpty)
            } else {
                guard !hasDecisionsPending(m), masterVisitIsQuiet(m, now: now) else {
                    appendGroup(m, to: &steps)
                    continue
                }
                quietReplicas(m, now: now, busy: &busyReplicas)
                if busyReplicas.isEmpty {
                    masters.noteQuiet(m, until: groupQuietDeadline(m, now: now), hasPeers: !masters[m].sentinels.isEmpty)
                }
            }
            assert(Sentinel.visitPartsDoNothing(on: self, ref(at: m, .master), now: now), "a master's visit left out of the beat had work: \(m)")
            if hasPeers { quietPeers(m, now: now, sharedLinks: sharedLinks, busy: &busyPeers) }
            assert(membersLeftOutDoNothing(m, busyReplicas: busyReplicas, busyPeers: busyPeers, now: now))
            for r in busyReplicas { steps.append(.visit(ref(at: m, .replica(masters[m].replicas[r].name), index: r))) }
            for s in busyPeers {
                if let runID = masters[m].sentinels[s].instance.runID { steps.append(.visit(ref(at: m, .sentinel(runID), index: s))) }
            }
        }
        steps.append(.finish)
        return steps
    }

    /// The replicas of master `m` whose visit is not quiet, by index, in order. Only for a master
    /// with no decisions pending (the beat's case): its replicas' INFO period is then the one at rest
    /// (`infoPeriod(for:)`: no failover, the master neither SDOWN nor ODOWN). Each replica is judged
    /// by `visitIsQuiet`'s own rules, reading it where it lies.
    func quietReplicas(_ m: Int, now: Instant, busy: inout [Int]) {
        // The beat asks only for a quiet master's members, and no visit is quiet in TILT.
        assert(tiltSince == nil, "members judged in place during TILT")
        let timing = timing
        masters.withMasterPointer(at: m) { master in
            Sentinel.forEachReplicaAtRest(of: master, timing: timing) { r, instance, rules in
                if !Sentinel.visitIsQuiet(instance, link: Sentinel.ownLink(instance), rules, rebooted: false, now: now) { busy.append(r) }
            }
        }
    }

    /// Calls `visit` with each replica of `master` in place (see `readInstance`), its index, and the
    /// rules its visit applies while the master is at rest (see `quietReplicas`).
    static func forEachReplicaAtRest(
        of master: UnsafePointer<MasterState>, timing: Timing, _ visit: (Int, UnsafePointer<InstanceState>, PeriodicRules) -> Void
    ) {
        master.pointee.replicas.withUnsafeBufferPointer { replicas in
            var rules = PeriodicRules(pendingLimit: CoreLimits.maxPendingCommandsPerLink, isSentinel: false, isMaster: false, infoPeriod: 0, timing: timing)
            for r in replicas.indices {
                rules.infoPeriod = Sentinel.replicaInfoPeriodAtRest(masterLinkDownMilliseconds: replicas[r].masterLinkDownMilliseconds, timing: timing)
                let instance = UnsafeRawPointer(replicas.baseAddress! + r).advanced(by: Sentinel.replicaInstanceOffset)
                    .assumingMemoryBound(to: InstanceState.self)
                visit(r, instance, rules)
            }
        }
    }

    /// The peers of master `m` whose visit is not quiet, by index, in order, each read in place beside
    /// its shared link.
    func quietPeers(_ m: Int, now: Instant, sharedLinks: SharedPeerLinks, busy: inout [Int]) {
        assert(tiltSince == nil, "members judged in place during TILT")
        let timing = timing
        masters.withMasterPointer(at: m) { master in
            master.pointee.sentinels.withUnsafeBufferPointer { peers in
                for s in peers.indices {
                    let entry = UnsafeRawPointer(peers.baseAddress! + s).advanced(by: Sentinel.peerInstanceOffset)
                        .assumingMemoryBound(to: InstanceState.self)
                    guard entry.pointee.runID != nil else { continue }
                    if !sharedLinks.peerVisitIsQuiet(entry, timing: timing, now: now) { busy.append(s) }
                }
            }
        }
    }

    /// When the first clock of master `m`'s own visit or its replicas' runs out (`quietDeadline`),
    /// all of them quiet now. Debug builds check that each is still quiet the millisecond before.
    func groupQuietDeadline(_ m: Int, now: Instant) -> Instant {
        let timing = timing
        let deadline = masters.withMasterPointer(at: m) { master in
            let own = Sentinel.masterVisit(master, timing: timing)
            var deadline = Sentinel.quietDeadline(own.instance, link: Sentinel.ownLink(own.instance), own.rules, rebootedSince: master.pointee.rebootedSince,
                                                  rebootPeriod: master.pointee.settings.masterRebootDownAfterPeriodMilliseconds)
            Sentinel.forEachReplicaAtRest(of: master, timing: timing) { _, replica, rules in
                deadline = min(deadline, Sentinel.quietDeadline(replica, link: Sentinel.ownLink(replica), rules, rebootedSince: nil, rebootPeriod: 0))
            }
            return deadline
        }
        assert(now < deadline && groupStaysQuiet(m, until: deadline), "master \(m)'s quiet deadline \(deadline) at \(now) is too late")
        return deadline
    }

    /// Debug builds' check of `groupQuietDeadline`: master `m`'s visit and its replicas' are quiet the
    /// millisecond before `deadline` (each rule is a clock, so they are quiet from now until then).
    func groupStaysQuiet(_ m: Int, until deadline: Instant) -> Bool {
        guard deadline.milliseconds != .max else { return true }
        let last = Instant(milliseconds: deadline.milliseconds - 1)
        var busy: [Int] = []
        quietReplicas(m, now: last, busy: &busy)
        return masterVisitIsQuiet(m, now: last) && busy.isEmpty
    }

    /// Debug builds' check of `quietReplicas` and `quietPeers`: each member they left out would do
    /// nothing if visited, and they judged each as `visitIsQuiet(_:now:)` does through a reference.
    func membersLeftOutDoNothing(_ m: Int, busyReplicas: [Int], busyPeers: [Int], now: Instant) -> Bool {
        for r in masters[m].replicas.indices {
            let member = ref(at: m, .replica(masters[m].replicas[r].name), index: r)
            let quiet = !busyReplicas.contains(r)
            guard quiet == visitIsQuiet(member, now: now), !quiet || Sentinel.visitPartsDoNothing(on: self, member, now: now) else { return false }
        }
        for s in masters[m].sentinels.indices {
            guard let runID = masters[m].sentinels[s].instance.runID else { continue }
            let member = ref(at: m, .sentinel(runID), index: s)
            let quiet = !busyPeers.contains(s)
            guard quiet == visitIsQuiet(member, now: now), !quiet || Sentinel.visitPartsDoNothing(on: self, member, now: now) else { return false }
        }
        return true
    }

    /// The visits of `tickPlan()` that `plan` (a beat's) leaves out, for the simulation's check that
    /// each still has nothing to do once the beat has run.
    public func visitsLeftOut(of plan: [TickStep]) -> [InstanceRef] {
        var planned: Set<InstanceRef> = []
        for case .visit(let target) in plan { planned.insert(target) }
        return tickPlan().compactMap { step in
            guard case .visit(let target) = step, !planned.contains(target) else { return nil }
            return target
        }
    }

    /// Whether visiting `target` now would ask for nothing, and for a master whether its decisions
    /// would have nothing to do either (what leaving them out of a beat assumes).
    public func visitWouldDoNothing(_ target: InstanceRef, now: Instant) -> Bool {
        if case .master = target.member, let m = masterIndex(of: target), hasDecisionsPending(m) { return false }
        return Sentinel.visitPartsDoNothing(on: self, target, now: now)
    }

    /// Whether a `.decide` step for the master could do anything: start a failover (ODOWN), advance
    /// one, ask peers (while SDOWN or electing for a switchover, which is a failover), or forget a
    /// peer's old report or vote. Otherwise each of its three parts returns at its first guard.
    /// Read in place, as the beat asks it of every master: `failover != nil` copied the failover's
    /// state, and each peer's entry was reached through the master list again.
    func hasDecisionsPending(_ m: Int) -> Bool {
        masters.withMasterPointer(at: m) { master in
            if master.pointee.objectivelyDownSince != nil || master.pointee.failover?.state != nil
                || master.pointee.instance.isSubjectivelyDown
            {
                return true
            }
            return master.pointee.sentinels.withUnsafeBufferPointer { peers in
                for s in peers.indices where peers[s].masterDownReportedAt != nil || peers[s].votedLeader != nil { return true }
                return false
            }
        }
    }

    /// Whether handling `input` now could ask for a config write. Replies to PING, hello PUBLISH,
    /// AUTH, CLIENT SETNAME, SUBSCRIBE and SCRIPT KILL, a connection coming up, and hellos that
    /// bring nothing new (see `helloMayPersist`) never do; they are most of the inputs at rest. The
    /// daemon keeps no undo copy for them: with hundreds of masters, the copy made every input's
    /// first change copy every master.
    public func mayPersist(_ input: Input) -> Bool {
        switch input {
        case .replyReceived(let id, let purpose, let value):
            switch purpose {
            case .info: return infoReplyMayPersist(id, value)
            case .askMasterDown, .handover, .handoverPause, .handoverOffset: return true
            case .ping, .publishHello, .auth, .setName, .subscribe, .scriptKill, .ignored: return false
            }
        case .messageReceived(_, let channel, let payload):
            return channel == Sentinel.helloChannel && helloMayPersist(payload)
        case .linkConnected, .linkClosed:
            // A closed link only forgets the connection and tells of it. With a thousand masters the
            // undo copy made each of the many closes of a start-up copy every master, and the stalls
            // made more connects time out.
            return false
        case .scriptStarted, .scriptFinished:
            return true
        }
    }

    /// Whether an INFO reply could ask for a config write: only a master's listing a replica it does
    /// not know yet (which is learnt and saved), or any reply about a master whose failover is under
    /// way (a promotion confirmed, a handover finishing). Everything else INFO changes (run id, role,
    /// replication state, the text kept) is never saved. Every INFO reply used to take the undo copy
    /// of the core, so that its first change copied every master: with a thousand masters that was
    /// most of the daemon's work and stalled its timer into TILT. The simulation checks that a reply
    /// judged unable to persist never does.
    func infoReplyMayPersist(_ id: LinkID, _ value: RedisValue) -> Bool {
        guard case .instance(let target, .command) = linkOwners[id], let m = masterIndex(of: target) else { return true }
        if masters[m].failover != nil { return true }
        guard case .master = target.member else { return false }
        guard case .string(let text) = value else { return false }
        return InfoReport.parse(text).listedReplicas.contains { replicaIndex(m, reportedAt: $0) == nil }
    }

    /// Whether running `step` now could ask for a config write. `begin` and `visit` never do; a
    /// master's decisions and the finish step only when there is something to decide or finish.
    /// The daemon runs the steps that cannot as one batch without an undo copy, and skips a
    /// decision step with nothing pending (it would do nothing).
    public func mayPersist(_ step: TickStep) -> Bool {
        switch step {
        case .begin, .visit:
            return false
        case .decide(let master):
            guard let m = masterIndex(of: master) else { return false }
            return hasDecisionsPending(m)
        case .finish:
            for m in masters.indices where masters[m].failover?.state == .updateConfig { return true }
            return false
        }
    }

    /// Runs one part of a tick; scripts due are started as after any public entry point.
    public mutating func tick(_ step: TickStep, now: Instant) -> [Effect] {
        withScripts(tickEffects(step, now: now), now: now)
    }

    /// Runs a visit's parts on a copy of `core`: whether they would ask for nothing.
    static func visitPartsDoNothing(on core: Sentinel, _ target: InstanceRef, now: Instant) -> Bool {
        var probe = core
        var effects: [Effect] = []
        probe.reconnect(target, now: now, into: &effects)
        probe.sendPeriodicCommands(target, now: now, into: &effects)
        probe.closeIdleLinks(target, now: now, into: &effects)
        probe.checkSubjectivelyDown(target, now: now, into: &effects)
        return effects.isEmpty
    }

    mutating func tickEffects(_ step: TickStep, now: Instant) -> [Effect] {
        var effects: [Effect] = []
        switch step {
        case .begin:
            checkTilt(now: now, into: &effects)
            killOverdueScripts(now: now, into: &effects)
        case .visit(let target):
            if visitIsQuiet(target, now: now) {
                // Debug builds (the tests, the simulation) check that the parts skipped had nothing to do.
                assert(Sentinel.visitPartsDoNothing(on: self, target, now: now), "a visit judged quiet had work: \(target)")
                if case .master = target.member, let m = masterIndex(of: target) {
                    checkObjectivelyDown(m, now: now, into: &effects)
                }
                return effects
            }
            reconnect(target, now: now, into: &effects)
            sendPeriodicCommands(target, now: now, into: &effects)
            closeIdleLinks(target, now: now, into: &effects)
            if let since = tiltSince {
                guard now - since >= timing.tiltPeriod else { return effects }
                tiltSince = nil
                effects.append(.emit(.tiltExited))
            }
            checkSubjectivelyDown(target, now: now, into: &effects)
            if case .master = target.member, let m = masterIndex(of: target) {
                checkObjectivelyDown(m, now: now, into: &effects)
            }
        case .decide(let master):
            // The master's visit just before skipped its checks while in TILT; so do decisions.
            guard tiltSince == nil, let m = masterIndex(of: master) else { return effects }
            startFailoverIfNeeded(m, now: now, into: &effects)
            advanceFailover(m, now: now, into: &effects)
            askPeersAboutMaster(m, now: now, into: &effects)
        case .finish:
            for m in masters.indices where masters[m].failover?.state == .updateConfig {
                finishFailover(m, now: now, into: &effects)
            }
        }
        return effects
    }
}

/// The shared peer links as one beat reads them: a list searched by comparing keys, for the few
/// peers a deployment has. The beat finds the link of every peer under every master 10 to 19 times
/// a second, and hashing each entry's run id and address for the table (and copying the link out
/// of it) was most of what judging a peer cost with three sentinels. Past `listedAtMost` links the
/// table is asked instead, as a list would cost more than hashing.
struct SharedPeerLinks {
    static let listedAtMost = 8
    private let keys: ContiguousArray<PeerLinkKey>
    private let links: ContiguousArray<PeerLink>
    private let table: [PeerLinkKey: PeerLink]?

    init(_ table: [PeerLinkKey: PeerLink]) {
        guard table.count <= SharedPeerLinks.listedAtMost else {
            (keys, links, self.table) = ([], [], table)
            return
        }
        (keys, links, self.table) = (ContiguousArray(table.keys), ContiguousArray(table.values), nil)
    }

    /// `Sentinel.peerVisitIsQuiet` for a peer's entry (with a run id), read in place.
    func peerVisitIsQuiet(_ entry: UnsafePointer<InstanceState>, timing: Timing, now: Instant) -> Bool {
        if let table { return Sentinel.peerVisitIsQuiet(entry, peerLinks: table, timing: timing, now: now) }
        return keys.withUnsafeBufferPointer { keys in
            links.withUnsafeBufferPointer { links in
                // The address first: a peer's port tells most links apart without reading a run id,
                // and the run id is then most often the table's own string (`refreshPeerLinks`
                // shares it), which compares equal without its characters being read.
                for i in keys.indices where keys[i].address == entry.pointee.address && keys[i].runID == entry.pointee.runID {
                    return Sentinel.peerVisitIsQuiet(entry, sharedLink: links.baseAddress! + i, timing: timing, now: now)
                }
                return Sentinel.peerVisitIsQuiet(entry, sharedLink: nil, timing: timing, now: now)
            }
        }
    }
}
