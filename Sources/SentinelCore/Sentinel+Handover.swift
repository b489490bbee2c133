/// The handover of a coordinated switchover (`SENTINEL FAILOVER <name> COORDINATED`), once elected
/// and a replica in sync is chosen:
///
/// 1. `CLIENT PAUSE <ms> WRITE` and then `INFO replication` go to the master on one connection. The
///    INFO runs after the pause took effect, so its `master_repl_offset` bounds every write the
///    master executed, and so every write it ever acknowledged.
/// 2. The chosen replica's INFO is read every few milliseconds until it reports that offset in the
///    same replication history: it then holds every acknowledged write.
/// 3. The replica is promoted (the usual MULTI / SLAVEOF NO ONE / CONFIG REWRITE transaction).
/// 4. Once it reports `role:master`, the old master is made its replica (with CONFIG REWRITE and its
///    clients disconnected, so they look the master up again) and only then unpaused: the writes
///    the pause held back find a replica and fail with READONLY, never acknowledged and then lost.
///
/// Redis's own `FAILOVER TO` does the same inside the master, but waits for the replica's
/// acknowledgement, which comes once a second; here the pause ends as soon as the replica has the
/// writes. The pause has a fixed length so that a leader that vanishes mid-way cannot leave the
/// master paused: each step must be sent while plenty of it is left, or the handover is abandoned
/// and the master unpaused (`-failover-abort-coordinated-timeout`). A master that refuses the pause
/// (an ACL, a renamed CLIENT, a Redis before 6.2) hands over with `FAILOVER TO` instead.
extension Sentinel {
    /// How long `CLIENT PAUSE` holds the master's writes if nobody unpauses it: the longest writes can
    /// stall when the leader vanishes mid-handover (as long as the `FAILOVER TO` timeout it replaces).
    public static let handoverPauseMilliseconds: Int64 = 5_000
    /// The latest moment, after the pause was sent, for the promotion to be sent: a replica that has
    /// not caught up by then is not waited for.
    static let handoverCatchUpMilliseconds: Int64 = 2_000
    /// The latest moment, after the pause was sent, for the old master's demotion to be sent. The
    /// 2.5 s of pause still left is the margin for it to reach the master while its writes are held.
    static let handoverDemotionMilliseconds: Int64 = 2_500
    /// How often the replica's INFO is read while it catches up (the first read goes at once).
    static let handoverPollPeriodMilliseconds: Int64 = 5
    /// An INFO poll unanswered this long is sent again (the reply may have been lost with its link).
    static let handoverPollResendMilliseconds: Int64 = 250
    /// `FAILOVER TO`'s own timeout, when the master hands over by itself.
    static let handoverTimeoutMilliseconds: Int64 = 5_000
    /// Extra time for the master's INFO and the replica's to show the outcome of `FAILOVER TO`.
    static let handoverGraceMilliseconds: Int64 = 2_000

    /// Step 1: pauses the master's writes and asks for its offset. False when its link is down.
    mutating func pauseMasterWrites(_ m: Int, replica: Address, now: Instant, into effects: inout [Effect]) -> Bool {
        let master = ref(masters[m].name, .master)
        guard let state = instance(master), state.link.commandConnected else { return false }
        effects += event(about: master) { .coordinatedHandover($0, to: announced(replica)) }
        sendCommand(master, ["CLIENT", "PAUSE", String(Sentinel.handoverPauseMilliseconds), "WRITE"], .handoverPause, into: &effects)
        sendCommand(master, ["INFO", "replication"], .handoverOffset, into: &effects)
        masters[m].failover?.handover = .pausing(pausedAt: now)
        return true
    }

    /// The master's answer to `CLIENT PAUSE`: an error means no pause took effect, and the master is
    /// asked to hand over by itself instead.
    mutating func pauseReplied(_ target: InstanceRef, _ value: RedisValue, now: Instant, into effects: inout [Effect]) {
        guard case .master = target.member, let m = masterIndex(of: target),
            let failover = masters[m].failover, case .pausing = failover.handover, case .error(let message) = value,
            let promoted = failover.promotedReplica, let r = masters[m].replicaIndex(named: promoted)
        else { return }
        effects.append(.log(.notice, "The master of '\(masters[m].name)' refused CLIENT PAUSE WRITE (\(message)); it hands over with FAILOVER TO instead"))
        masters[m].failover?.handover = .failoverCommand
        guard sendFailoverTo(m, replica: masters[m].replicas[r].instance.address, into: &effects) else {
            abortFailover(m, reason: .coordinatedRefused, now: now, into: &effects)
            return
        }
        Self.setState(&masters[m], .waitPromotion, now: now)
        effects += event(about: ref(masters[m].name, .replica(promoted))) { .failoverStateWaitPromotion($0) }
    }

    /// The master's INFO from after the pause: its offset is what the replica must reach.
    mutating func pausedOffsetReplied(_ target: InstanceRef, _ value: RedisValue, now: Instant, into effects: inout [Effect]) {
        guard case .master = target.member, let m = masterIndex(of: target),
            let failover = masters[m].failover, case .pausing(let pausedAt) = failover.handover
        else { return }
        let report = value.text.map(InfoReport.parse)
        guard let report, report.role == .master, let offset = report.masterReplicationOffset, let history = report.replicationID else {
            abortFailover(m, reason: .coordinatedRefused, now: now, into: &effects)
            effects.append(.log(.warning, "The master of '\(masters[m].name)' did not report its offset as a master while paused; it keeps serving"))
            return
        }
        masters[m].failover?.handover = .catchingUp(pausedAt: pausedAt, offset: offset, replicationID: history, polledAt: nil)
        pollCatchingUpReplica(m, now: now, into: &effects)
    }

    /// The handover's timers: each step abandoned once too little of the pause would be left.
    mutating func advanceHandover(_ m: Int, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover, let handover = failover.handover else { return }
        switch handover {
        case .failoverCommand:
            if now - failover.stateChangedAt > Sentinel.handoverTimeoutMilliseconds + Sentinel.handoverGraceMilliseconds {
                // Redis's FAILOVER gave up (the replica did not catch up): the master unpaused writes
                // and still serves; nothing changed hands.
                abortFailover(m, reason: .coordinatedTimeout, now: now, into: &effects)
            } else if now - failover.stateChangedAt > masters[m].settings.failoverTimeoutMilliseconds {
                abortFailover(m, reason: .replicaTimeout, now: now, into: &effects)
            }
        case .pausing(let pausedAt), .catchingUp(let pausedAt, _, _, _):
            if now - pausedAt > Sentinel.handoverCatchUpMilliseconds {
                abortFailover(m, reason: .coordinatedTimeout, now: now, into: &effects)
                effects.append(.log(.warning, "The replica of '\(masters[m].name)' did not catch up with the paused master within \(Sentinel.handoverCatchUpMilliseconds) ms; the master was unpaused and keeps serving"))
            } else {
                pollCatchingUpReplica(m, now: now, into: &effects)
            }
        case .promoting(let pausedAt):
            if now - pausedAt > Sentinel.handoverDemotionMilliseconds {
                abandonLatePromotion(m, now: now, into: &effects)
            }
        case .demoting(let pausedAt, let sentAt):
            confirmDemotion(m, pausedAt: pausedAt, sentAt: sentAt, now: now, into: &effects)
        }
    }

    /// A demotion lost with its connection would leave the old master to take writes again, as a
    /// master, when its pause runs out: it is sent again on the new connection (or after a silence)
    /// until the old master reports it, as long as the pause lasts.
    mutating func confirmDemotion(_ m: Int, pausedAt: Instant, sentAt: Instant, now: Instant, into effects: inout [Effect]) {
        guard now - pausedAt <= Sentinel.handoverPauseMilliseconds else {
            masters[m].failover?.handover = nil
            effects.append(.log(.warning, "The old master of '\(masters[m].name)' did not confirm its demotion before its write pause ran out; it is converted as any stray master"))
            return
        }
        guard let promoted = masters[m].failover?.promotedReplica, let r = masters[m].replicaIndex(named: promoted),
            let state = instance(ref(masters[m].name, .master)), state.link.commandConnected
        else { return }
        let reconnected = state.link.commandConnectedSince.map { $0 > sentAt } ?? false
        guard reconnected || now - sentAt >= Sentinel.handoverPollResendMilliseconds else { return }
        demotePausedMaster(m, to: masters[m].replicas[r].instance.address, pausedAt: pausedAt, now: now, into: &effects)
    }

    /// The old master's INFO while its demotion is awaited: following the new master, it is done, and
    /// the failover may end at once if the other replicas already follow the new master.
    mutating func oldMasterReportedDuringHandover(_ m: Int, report: InfoReport, now: Instant, into effects: inout [Effect]) {
        guard case .demoting = masters[m].failover?.handover, report.role == .slave,
            let promoted = masters[m].failover?.promotedReplica, let r = masters[m].replicaIndex(named: promoted),
            let host = report.masterHost, let port = report.masterPort,
            sameAddress(Address(host: host, port: port), masters[m].replicas[r].instance.address)
        else { return }
        masters[m].failover?.handover = nil
        reconfigureNextReplicas(m, now: now, into: &effects)
    }

    /// The replica did not report its promotion while enough of the pause was left to demote the old
    /// master safely: the old master keeps serving. If the replica did turn master, it is a stray
    /// master that no configuration names, converted back like any other.
    mutating func abandonLatePromotion(_ m: Int, now: Instant, into effects: inout [Effect]) {
        abortFailover(m, reason: .coordinatedTimeout, now: now, into: &effects)
        effects.append(.log(.warning, "The replica of '\(masters[m].name)' did not report its promotion within \(Sentinel.handoverDemotionMilliseconds) ms of the pause; the master was unpaused and keeps serving"))
    }

    /// Step 2: reads the chosen replica's INFO, one request at a time, every poll period.
    mutating func pollCatchingUpReplica(_ m: Int, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover, case .catchingUp(let pausedAt, let offset, let history, let polledAt) = failover.handover,
            let promoted = failover.promotedReplica, let r = masters[m].replicaIndex(named: promoted)
        else { return }
        let state = masters[m].replicas[r].instance
        guard state.link.commandConnected else { return }
        if let polledAt {
            let answered = state.infoRefreshed.map { $0 >= polledAt } ?? false
            guard now - polledAt >= (answered ? Sentinel.handoverPollPeriodMilliseconds : Sentinel.handoverPollResendMilliseconds) else { return }
        }
        sendInfo(ref(masters[m].name, .replica(promoted)), into: &effects)
        masters[m].failover?.handover = .catchingUp(pausedAt: pausedAt, offset: offset, replicationID: history, polledAt: now)
    }

    /// How often the other replicas are read while they are repointed after a switchover. The
    /// failover ends once they follow the new master, and only then does the leader's SENTINEL
    /// MASTERS name it (as Redis's does), which is what clients such as redis-py look up.
    static let switchoverRepointInfoPeriodMilliseconds: Int64 = 10

    func repointingAfterSwitchover(_ m: Int) -> Bool {
        guard masters[m].failover?.coordinated == true, let state = masters[m].failover?.state else { return false }
        return state == .reconfSlaves || state == .updateConfig
    }

    /// When the handover next needs the timer: the next poll of the replica, or a step's deadline;
    /// while the replicas are repointed, the next read of them.
    func handoverDeadline(_ m: Int, now: Instant) -> Instant? {
        let repoint = repointingAfterSwitchover(m) ? now + Sentinel.switchoverRepointInfoPeriodMilliseconds : nil
        guard let handover = masters[m].failover?.handover else { return repoint }
        let step = handoverStepDeadline(handover)
        guard let repoint else { return step }
        return step.map { min($0, repoint) } ?? repoint
    }

    private func handoverStepDeadline(_ handover: Handover) -> Instant? {
        switch handover {
        case .catchingUp(let pausedAt, _, _, let polledAt):
            let poll = polledAt.map { $0 + Sentinel.handoverPollPeriodMilliseconds }
            return min(poll ?? pausedAt, pausedAt + Sentinel.handoverCatchUpMilliseconds + 1)
        case .pausing(let pausedAt): return pausedAt + Sentinel.handoverCatchUpMilliseconds + 1
        case .promoting(let pausedAt): return pausedAt + Sentinel.handoverDemotionMilliseconds + 1
        case .demoting(let pausedAt, let sentAt):
            return min(sentAt + Sentinel.handoverPollResendMilliseconds, pausedAt + Sentinel.handoverPauseMilliseconds + 1)
        case .failoverCommand: return nil
        }
    }

    /// Step 3: the chosen replica reports the paused master's offset in the master's history: it holds
    /// every acknowledged write, and is promoted.
    mutating func replicaReportedDuringHandover(_ m: Int, replica name: String, report: InfoReport, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover, failover.promotedReplica == name,
            case .catchingUp(let pausedAt, let offset, let history, _) = failover.handover,
            report.role == .slave, report.replicationID == history, let reached = report.replicaReplicationOffset, reached >= offset,
            now - pausedAt <= Sentinel.handoverCatchUpMilliseconds
        else { return }
        let target = ref(masters[m].name, .replica(name))
        sendReplicaOf(target, nil, into: &effects)
        masters[m].failover?.handover = .promoting(pausedAt: pausedAt)
        Self.setState(&masters[m], .waitPromotion, now: now)
        effects += event(about: target) { .failoverStateWaitPromotion($0) }
    }

    /// Step 4, before the new configuration is taken: false (and the switchover abandoned) when too
    /// little of the pause may be left to demote the old master before its writes resume.
    mutating func handoverLeavesTimeToDemote(_ m: Int, now: Instant, into effects: inout [Effect]) -> Bool {
        guard case .promoting(let pausedAt) = masters[m].failover?.handover else { return true }
        guard now - pausedAt <= Sentinel.handoverDemotionMilliseconds else {
            abandonLatePromotion(m, now: now, into: &effects)
            return false
        }
        return true
    }

    /// Step 4: the promoted replica is master. The old master follows it, writes its role down,
    /// drops its clients, and only then resumes: what its paused writers sent now fails with READONLY.
    /// The INFO behind the transaction confirms it (`oldMasterReportedDuringHandover`).
    mutating func demotePausedMaster(_ m: Int, to newMaster: Address, pausedAt: Instant, now: Instant, into effects: inout [Effect]) {
        sendReplicaOf(ref(masters[m].name, .master), newMaster, into: &effects)
        unpauseMaster(m, into: &effects)
        masters[m].failover?.handover = .demoting(pausedAt: pausedAt, sentAt: now)
    }

    mutating func unpauseMaster(_ m: Int, into effects: inout [Effect]) {
        sendCommand(ref(masters[m].name, .master), ["CLIENT", "UNPAUSE"], .ignored, into: &effects)
    }

    /// Whether the master's writes may be paused by our handover. Hellos are not published to it
    /// meanwhile: Redis holds PUBLISH back during a write pause, and the commands behind it on the
    /// link (the offset, the demotion, the unpause) would wait for the pause to run out.
    func writesPausedByHandover(_ target: InstanceRef) -> Bool {
        guard case .master = target.member, let m = masterIndex(of: target) else { return false }
        return masters[m].failover?.handover?.pausedAt != nil
    }

    /// Redis's `FAILOVER TO`, for a master that refused the pause: it pauses writes, waits until
    /// `replica` acknowledges all of them, and swaps roles with it. False when the master's link is down.
    mutating func sendFailoverTo(_ m: Int, replica: Address, into effects: inout [Effect]) -> Bool {
        let master = ref(masters[m].name, .master)
        guard let state = instance(master), !state.link.isDisconnected else { return false }
        sendCommand(master, ["FAILOVER", "TO", announcedHost(replica), String(replica.port), "TIMEOUT", String(Sentinel.handoverTimeoutMilliseconds)],
                    .handover, into: &effects)
        return true
    }

    /// The master's answer to `FAILOVER TO`: an error means it refused, and it keeps serving.
    mutating func handoverReplied(_ target: InstanceRef, _ value: RedisValue, now: Instant, into effects: inout [Effect]) {
        guard case .master = target.member, let m = masterIndex(of: target),
            let failover = masters[m].failover, failover.handover == .failoverCommand, failover.state == .waitPromotion
        else { return }
        if case .error(let message) = value {
            abortFailover(m, reason: .coordinatedRefused, now: now, into: &effects)
            effects.append(.log(.warning, "The master refused to hand over: \(message)"))
        }
    }
}
