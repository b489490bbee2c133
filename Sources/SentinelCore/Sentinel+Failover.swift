extension Sentinel {
    /// Starts a failover when the master is objectively down and we have not tried recently (§3.5).
    /// An election lost with nobody winning is retried after a short random delay instead.
    mutating func startFailoverIfNeeded(_ m: Int, now: Instant, into effects: inout [Effect]) {
        let master = masters[m]
        guard master.isObjectivelyDown, master.failover == nil else { return }
        if let retryAt = master.failoverRetryAt {
            guard now >= retryAt else { return }
        } else if let last = master.failoverStartTime, now - last < 2 * master.settings.failoverTimeoutMilliseconds {
            return
        }
        startFailover(m, forced: false, now: now, into: &effects)
    }

    /// The epoch of a new attempt. An election is per master, so an epoch that this master has not
    /// voted in and its configuration has not reached can be used again: when many masters fail at
    /// once, their failovers share one epoch instead of each moving every sentinel's current epoch
    /// on (Redis's peers refuse a vote for an epoch below their current one). A forced failover
    /// leads without votes, so it always takes a new epoch of its own.
    mutating func epochForNewFailover(_ m: Int, forced: Bool, into effects: inout [Effect]) -> Int64 {
        let settings = masters[m].settings
        if !forced, currentEpoch > settings.leaderEpoch, currentEpoch > settings.configEpoch { return currentEpoch }
        // Cannot overflow: every epoch that enters (hello, vote request, config file) is at most
        // CoreLimits.maxEpoch, and only this line adds to it, one per failover.
        currentEpoch += 1
        effects.append(.emit(.newEpoch(master: masters[m].name, epoch: currentEpoch)))
        return currentEpoch
    }

    /// A new attempt; its epoch is on disk before any peer is asked to vote in it.
    mutating func startFailover(_ m: Int, forced: Bool, coordinated: Bool = false, now: Instant, into effects: inout [Effect]) {
        let epoch = epochForNewFailover(m, forced: forced, into: &effects)
        // The random delay desynchronises sentinels that saw the failure at the same moment, so that
        // one of them usually asks for votes first and wins in the first round (as Redis does).
        let start = now + random.below(1_000)
        masters[m].failover = FailoverProgress(state: .waitStart, epoch: epoch, startedAt: start, forced: forced)
        masters[m].failover?.coordinated = coordinated
        masters[m].failover?.stateChangedAt = now
        masters[m].failoverStartTime = start
        masters[m].failoverRetryAt = nil
        effects.append(.persistConfig)
        effects += event(about: ref(masters[m].name, .master)) { .tryFailover($0) }
        askPeersAboutMaster(m, now: now, forced: true, into: &effects)
        if coordinated { refreshReplicationViews(m, into: &effects) }
    }

    /// A switchover picks a replica in sync with the master from their INFO, which at rest may be ten
    /// seconds old and predate a sync that has since finished: it is read again now, while the peers
    /// vote, rather than waited for after the election.
    mutating func refreshReplicationViews(_ m: Int, into effects: inout [Effect]) {
        let name = masters[m].name
        var targets = [ref(name, .master)]
        targets += masters[m].replicas.map { ref(name, .replica($0.name)) }
        for target in targets {
            guard let state = instance(target), state.link.commandConnected,
                state.link.pendingCommands < CoreLimits.maxPendingCommandsPerLink
            else { continue }
            sendInfo(target, into: &effects)
        }
    }

    mutating func abortFailover(_ m: Int, reason: FailoverAbortReason, now: Instant, into effects: inout [Effect]) {
        effects += event(about: ref(masters[m].name, .master)) { .failoverAborted($0, reason: reason) }
        // A switchover that paused the master's writes gives them back at once rather than when the
        // pause runs out: nothing changed hands, and the master keeps serving.
        if masters[m].failover?.handover?.pausedAt != nil { unpauseMaster(m, into: &effects) }
        masters[m].failover = nil
        for r in masters[m].replicas.indices { masters[m].replicas[r].reconfiguration = nil }
    }

    /// One step of the leader's state machine (§3.7).
    mutating func advanceFailover(_ m: Int, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover else { return }
        switch failover.state {
        case .waitStart: failoverWaitStart(m, now: now, into: &effects)
        case .selectSlave: failoverSelectReplica(m, now: now, into: &effects)
        case .sendSlaveofNoone where failover.handover != nil: advanceHandover(m, now: now, into: &effects)
        case .sendSlaveofNoone: failoverSendPromotion(m, now: now, into: &effects)
        case .waitPromotion:
            if failover.handover != nil {
                advanceHandover(m, now: now, into: &effects)
            } else if now - failover.stateChangedAt > masters[m].settings.failoverTimeoutMilliseconds {
                abortFailover(m, reason: .replicaTimeout, now: now, into: &effects)
            }
        case .reconfSlaves:
            if failover.handover != nil { advanceHandover(m, now: now, into: &effects) }
            reconfigureNextReplicas(m, now: now, into: &effects)
        case .updateConfig: break
        }
    }

    static func setState(_ m: inout MasterState, _ state: FailoverStateName, now: Instant) {
        m.failover?.state = state
        m.failover?.stateChangedAt = now
    }

    private mutating func failoverWaitStart(_ m: Int, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover else { return }
        let leader = electedLeader(m, epoch: failover.epoch, now: now, into: &effects)
        // A plain forced failover leads without votes, as Redis's does. A coordinated switchover is
        // elected like any failover: a leader that took its epoch alone could be cut off before its
        // peers hear of it, and one of them could later lead a failover in the same epoch, leaving two
        // configurations with one config epoch that hellos cannot reconcile (found by simulation).
        if leader != myID && (!failover.forced || failover.coordinated) {
            let timeout = min(timing.electionTimeout, masters[m].settings.failoverTimeoutMilliseconds)
            if electionLostWithoutWinner(m, epoch: failover.epoch) {
                abortFailover(m, reason: .notElected, now: now, into: &effects)
                masters[m].failoverRetryAt = now + Sentinel.splitVoteRetryMinimumMilliseconds
                    + random.below(Sentinel.splitVoteRetrySpreadMilliseconds)
            } else if now - failover.startedAt > timeout {
                abortFailover(m, reason: .notElected, now: now, into: &effects)
            }
            return
        }
        Invariant.leadsOncePerEpoch(master: masters[m].name, lastLedEpoch: masters[m].ledEpoch, epoch: failover.epoch)
        masters[m].ledEpoch = failover.epoch
        effects += event(about: ref(masters[m].name, .master)) { .electedLeader($0, epoch: failover.epoch) }
        if simulateFailure.contains(.crashAfterElection) {
            effects.append(.terminate(exitCode: 99))
            return
        }
        Self.setState(&masters[m], .selectSlave, now: now)
        effects += event(about: ref(masters[m].name, .master)) { .failoverStateSelectReplica($0) }
        failoverSelectReplica(m, now: now, into: &effects)
    }

    private mutating func failoverSelectReplica(_ m: Int, now: Instant, into effects: inout [Effect]) {
        let coordinated = masters[m].failover?.coordinated ?? false
        let bounded = masters[m].settings.promotionMaxLagBytes > 0
        guard let chosen = selectReplica(m, now: now, inSyncWithMaster: coordinated, withinLagBound: bounded) else {
            if bounded, let best = selectReplica(m, now: now, inSyncWithMaster: coordinated) {
                refuseLaggingReplica(m, best: best, now: now, into: &effects)
                return
            }
            if let failover = masters[m].failover, now - failover.stateChangedAt < Sentinel.replicaWaitMilliseconds,
                coordinated || replicaAwaitsFreshInfo(m, since: failover.stateChangedAt)
            {
                return
            }
            abortFailover(m, reason: .noGoodReplica, now: now, into: &effects)
            if coordinated {
                effects.append(.log(.warning, "No replica of '\(masters[m].name)' is in sync with the master (replicating from it with its link up); the master keeps serving"))
            }
            return
        }
        let name = masters[m].name
        masters[m].failover?.promotedReplica = chosen.name
        effects += event(about: ref(name, .replica(chosen.name))) { .replicaSelected($0) }
        Self.setState(&masters[m], .sendSlaveofNoone, now: now)
        effects += event(about: ref(name, .replica(chosen.name))) { .failoverStateSendReplicaofNoOne($0) }
        failoverSendPromotion(m, now: now, into: &effects)
    }

    /// Every promotable replica is further behind than `vigil-promotion-max-lag-bytes`: wait up to
    /// `vigil-promotion-catch-up-ms` for one to catch up, then abort rather than lose those writes.
    private mutating func refuseLaggingReplica(_ m: Int, best: ReplicaState, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover else { return }
        if now - failover.stateChangedAt < masters[m].settings.promotionCatchUpMilliseconds { return }
        let behind = replicationLag(m, of: best) ?? 0
        let bound = masters[m].settings.promotionMaxLagBytes
        effects += event(about: ref(masters[m].name, .replica(best.name))) { .replicasBehind($0, behind: behind, bound: bound) }
        masters[m].failover = nil
        for r in masters[m].replicas.indices { masters[m].replicas[r].reconfiguration = nil }
        let why = infoPredatesConnection(best) ? "has not reported its offset since it reconnected"
            : "is \(behind) bytes behind the master's last reported offset"
        effects.append(.log(.warning, "Refusing to promote a replica of '\(masters[m].name)': the best, \(best.name), \(why) (vigil-promotion-max-lag-bytes \(bound)); waited \(now - failover.stateChangedAt) ms for one to catch up"))
    }

    private mutating func failoverSendPromotion(_ m: Int, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover, let promoted = failover.promotedReplica else { return }
        let target = ref(masters[m].name, .replica(promoted))
        guard let state = instance(target), failover.coordinated ? state.link.commandConnected : !state.link.isDisconnected else {
            if now - failover.stateChangedAt > masters[m].settings.failoverTimeoutMilliseconds {
                abortFailover(m, reason: .replicaTimeout, now: now, into: &effects)
            }
            return
        }
        if failover.coordinated {
            // The promotion waits until the replica has every write the master acknowledged.
            if !pauseMasterWrites(m, replica: state.address, now: now, into: &effects) {
                abortFailover(m, reason: .coordinatedRefused, now: now, into: &effects)
            }
            return
        }
        sendReplicaOf(target, nil, into: &effects)
        Self.setState(&masters[m], .waitPromotion, now: now)
        effects += event(about: target) { .failoverStateWaitPromotion($0) }
    }

    /// How long the leader waits for a replica it could promote. A coordinated switchover waits for a
    /// replica in sync with the master: one that has just finished its first sync may still be known
    /// by an INFO from before. A failover waits while a replica's INFO predates the selection: the
    /// election can be over a few ms after the master fails, before any INFO of the replicas since
    /// (they are polled every 50 ms during a failover), and Redis's freshness rules would refuse a
    /// good replica. Two seconds cover several polls under load.
    static let replicaWaitMilliseconds: Int64 = 2_000

    /// A replica that may qualify once its next INFO arrives: up, promotable, and not heard from since
    /// `since` (with no `since`: never heard from at all).
    func replicaAwaitsFreshInfo(_ m: Int, since: Instant? = nil) -> Bool {
        masters[m].replicas.contains { replica in
            let state = replica.instance
            guard !state.isSubjectivelyDown, replica.priority != 0 else { return false }
            guard let refreshed = state.infoRefreshed else { return true }
            return since.map { refreshed < $0 } ?? false
        }
    }
    /// The pipelined `MULTI / SLAVEOF / CONFIG REWRITE / CLIENT KILL normal / CLIENT KILL pubsub / EXEC`,
    /// followed by an INFO on the same connection: it runs right after EXEC, so its reply confirms the
    /// new role one round trip later instead of at the next INFO period.
    mutating func sendReplicaOf(_ target: InstanceRef, _ master: Address?, into effects: inout [Effect]) {
        let slaveof = master.map { ["SLAVEOF", announcedHost($0), String($0.port)] } ?? ["SLAVEOF", "NO", "ONE"]
        for words in [["MULTI"], slaveof, ["CONFIG", "REWRITE"], ["CLIENT", "KILL", "TYPE", "normal"],
                      ["CLIENT", "KILL", "TYPE", "pubsub"], ["EXEC"]] {
            sendCommand(target, words, .ignored, into: &effects)
        }
        sendInfo(target, into: &effects)
    }
}
