extension Sentinel {
    /// The promoted replica reported `role:master`: the new configuration takes the failover's epoch,
    /// reaches the disk, and is announced at once (hello and `+switch-master`), before the other
    /// replicas are moved (§3.7, and Vigil's fast path).
    mutating func promotionConfirmed(_ m: Int, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover, failover.state == .waitPromotion,
            let promoted = failover.promotedReplica, let r = masters[m].replicaIndex(named: promoted)
        else { return }
        guard handoverLeavesTimeToDemote(m, now: now, into: &effects) else { return }
        let name = masters[m].name
        Invariant.configEpochNeverDecreases(master: name, from: masters[m].settings.configEpoch, to: failover.epoch, currentEpoch: currentEpoch)
        masters[m].settings.configEpoch = failover.epoch
        Self.setState(&masters[m], .reconfSlaves, now: now)
        effects.append(.persistConfig)
        effects += event(about: ref(name, .replica(promoted))) { .replicaPromoted($0) }
        if simulateFailure.contains(.crashAfterPromotion) {
            effects.append(.terminate(exitCode: 99))
            return
        }
        effects += event(about: ref(name, .master)) { .failoverStateReconfigureReplicas($0) }
        let old = masters[m].instance.address
        let new = masters[m].replicas[r].instance.address
        if let pausedAt = failover.handover?.pausedAt {
            demotePausedMaster(m, to: new, pausedAt: pausedAt, now: now, into: &effects)
        } else if failover.coordinated {
            // Redis's FAILOVER made the old master a replica of the new one but wrote neither
            // config file, and the old master's clients are still connected: persist both roles, and
            // disconnect those clients so they look the master up again and find the new one.
            sendCommand(ref(name, .replica(promoted)), ["CONFIG", "REWRITE"], .ignored, into: &effects)
            let oldMaster = ref(name, .master)
            for words in [["CONFIG", "REWRITE"], ["CLIENT", "KILL", "TYPE", "normal"], ["CLIENT", "KILL", "TYPE", "pubsub"]] {
                sendCommand(oldMaster, words, .ignored, into: &effects)
            }
            masters[m].failover?.handover = nil
        }
        effects.append(.emit(.switchMaster(master: name, from: announced(old), to: announced(new))))
        masters[m].failover?.switchAnnounced = true
        queueClientReconfigScript(m, role: "leader", from: old, to: new, now: now)
        forceHello(m)
        // Clients of a switchover wait on the paused master or its READONLY: the peers that they ask
        // hear of the new master now rather than at the next tick.
        if failover.coordinated { publishHellosToPeers(m, now: now, into: &effects) }
        reconfigureNextReplicas(m, now: now, into: &effects)
    }

    /// Back-dates hello times so the new configuration is announced on the next tick.
    mutating func forceHello(_ m: Int) {
        masters[m].instance.link.lastHelloPublished = nil
        for r in masters[m].replicas.indices { masters[m].replicas[r].instance.link.lastHelloPublished = nil }
        for s in masters[m].sentinels.indices { masters[m].sentinels[s].instance.link.lastHelloPublished = nil }
    }

    /// RECONF_SLAVES: point the other replicas at the promoted one, `parallel-syncs` at a time.
    mutating func reconfigureNextReplicas(_ m: Int, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover, let promoted = failover.promotedReplica,
            let p = masters[m].replicaIndex(named: promoted)
        else { return }
        let name = masters[m].name
        let newAddress = masters[m].replicas[p].instance.address
        var inProgress = masters[m].replicas.filter { replica in
            if case .sent = replica.reconfiguration { return true }
            return replica.reconfiguration == .inProgress
        }.count
        for r in masters[m].replicas.indices where inProgress < masters[m].settings.parallelSyncs {
            let replica = masters[m].replicas[r]
            guard replica.name != promoted, replica.reconfiguration != .done else { continue }
            let target = ref(name, .replica(replica.name))
            if case .sent(let at) = replica.reconfiguration, now - at > timing.slaveReconfTimeout {
                effects += event(about: target) { .replicaReconfigurationSentTimeout($0) }
                masters[m].replicas[r].reconfiguration = .done
                continue
            }
            guard replica.reconfiguration == nil, !replica.instance.link.isDisconnected else { continue }
            sendReplicaOf(target, newAddress, into: &effects)
            masters[m].replicas[r].reconfiguration = .sent(at: now)
            effects += event(about: target) { .replicaReconfigurationSent($0) }
            inProgress += 1
        }
        detectFailoverEnd(m, now: now, into: &effects)
    }

    private mutating func detectFailoverEnd(_ m: Int, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover, let promoted = failover.promotedReplica,
            let p = masters[m].replicaIndex(named: promoted), !masters[m].replicas[p].instance.isSubjectivelyDown
        else { return }
        let name = masters[m].name
        let pending = masters[m].replicas.filter {
            $0.name != promoted && $0.reconfiguration != .done && !$0.instance.isSubjectivelyDown
        }
        let timedOut = now - failover.stateChangedAt > masters[m].settings.failoverTimeoutMilliseconds
        guard pending.isEmpty || timedOut else { return }
        // The old master stays the master entry (its links, its hellos held) until its demotion is
        // confirmed or its pause ran out: switching the entry first would forget to send it again.
        guard failover.handover == nil else { return }
        if timedOut {
            effects += event(about: ref(name, .master)) { .failoverEndForTimeout($0) }
            let newAddress = masters[m].replicas[p].instance.address
            for replica in pending where replica.reconfiguration == nil && !replica.instance.link.isDisconnected {
                sendReplicaOf(ref(name, .replica(replica.name)), newAddress, into: &effects)
                effects += event(about: ref(name, .replica(replica.name))) { .replicaReconfigurationSentBestEffort($0) }
            }
        }
        effects += event(about: ref(name, .master)) { .failoverEnd($0) }
        Self.setState(&masters[m], .updateConfig, now: now)
    }

    /// UPDATE_CONFIG: the master entry now describes the promoted replica (§3.7).
    mutating func finishFailover(_ m: Int, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover, failover.state == .updateConfig, let promoted = failover.promotedReplica,
            let p = masters[m].replicaIndex(named: promoted)
        else { return }
        let old = masters[m].instance.address
        let new = masters[m].replicas[p].instance.address
        if !failover.switchAnnounced {
            effects.append(.emit(.switchMaster(master: masters[m].name, from: announced(old), to: announced(new))))
        }
        switchMasterAddress(m, to: new, now: now, into: &effects)
    }

    /// A replica's INFO during a failover: the promoted one turning master, the others following it.
    mutating func followFailoverProgress(_ m: Int, replica name: String, report: InfoReport, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover, let r = masters[m].replicaIndex(named: name) else { return }
        if name == failover.promotedReplica {
            if report.role == .master { promotionConfirmed(m, now: now, into: &effects) }
            replicaReportedDuringHandover(m, replica: name, report: report, now: now, into: &effects)
            return
        }
        guard failover.state == .reconfSlaves, let promoted = failover.promotedReplica,
            let p = masters[m].replicaIndex(named: promoted)
        else { return }
        let target = ref(masters[m].name, .replica(name))
        let promotedAddress = masters[m].replicas[p].instance.address
        let replica = masters[m].replicas[r]
        if case .sent = replica.reconfiguration, report.role == .slave,
            let host = report.masterHost, let port = report.masterPort,
            sameAddress(Address(host: host, port: port), promotedAddress)
        {
            masters[m].replicas[r].reconfiguration = .inProgress
            effects += event(about: target) { .replicaReconfigurationInProgress($0) }
        }
        if masters[m].replicas[r].reconfiguration == .inProgress, report.masterLinkUp == true {
            masters[m].replicas[r].reconfiguration = .done
            effects += event(about: target) { .replicaReconfigurationDone($0) }
            // A switchover's clients look the master up meanwhile: its failover ends with the last
            // replica rather than at the next timer beat (the master entry moves at the next tick's
            // finish step, which comes within 10 ms: see `handoverDeadline`).
            if failover.coordinated { reconfigureNextReplicas(m, now: now, into: &effects) }
        }
    }
}
