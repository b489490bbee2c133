extension Sentinel {
    /// The flags field, in Redis 7.0's order.
    func flags(_ target: InstanceRef) -> String {
        guard let m = masterIndex(of: target), let state = instance(target) else { return "" }
        let master = masters[m]
        var flags: [String] = []
        if state.isSubjectivelyDown { flags.append("s_down") }
        switch target.member {
        case .master:
            if master.isObjectivelyDown { flags.append("o_down") }
            flags.append("master")
        case .replica:
            flags.append("slave")
        case .sentinel:
            flags.append("sentinel")
        }
        if state.link.isDisconnected { flags.append("disconnected") }
        if case .sentinel(let runID) = target.member, let s = master.sentinelIndex(runID: runID),
            master.sentinels[s].reportsMasterDown
        {
            flags.append("master_down")
        }
        if case .master = target.member, let failover = master.failover {
            flags.append("failover_in_progress")
            if failover.forced { flags.append("force_failover") }
        }
        if case .replica(let name) = target.member, master.failover?.promotedReplica == name {
            flags.append("promoted")
        }
        if state.scriptKillSent { flags.append("script_kill_sent") }
        return flags.joined(separator: ",")
    }

    /// One instance map of SENTINEL MASTER/MASTERS/REPLICAS/SENTINELS (§1.3): every value a bulk string.
    func instanceMap(_ target: InstanceRef, now: Instant) -> Reply {
        guard let m = masterIndex(of: target), let state = instance(target) else { return .nullArray }
        let master = masters[m]
        let link = state.link
        var fields: [(String, Reply)] = []
        func add(_ key: String, _ value: String) { fields.append((key, .bulk(value))) }
        func add(_ key: String, _ value: Int64) { fields.append((key, .bulk(String(value)))) }
        switch target.member {
        case .master: add("name", master.name)
        case .replica(let name): add("name", name)
        case .sentinel(let runID): add("name", runID)
        }
        add("ip", announcedHost(state.address))
        add("port", Int64(state.address.port))
        add("runid", state.runID ?? "")
        add("flags", flags(target))
        add("link-pending-commands", Int64(link.pendingCommands))
        add("link-refcount", Int64(peerLinkKey(of: target).flatMap { peerLinks[$0]?.refcount } ?? 1))
        if case .master = target.member, let failover = master.failover {
            add("failover-state", failover.state.rawValue)
        }
        add("last-ping-sent", link.activePingSince.map { now - $0 } ?? 0)
        add("last-ok-ping-reply", now - link.lastAvailable)
        add("last-ping-reply", now - link.lastReply)
        if state.isSubjectivelyDown, let since = state.subjectiveDownSince { add("s-down-time", now - since) }
        if case .master = target.member, let since = master.objectivelyDownSince { add("o-down-time", now - since) }
        add("down-after-milliseconds", state.downAfterMilliseconds)
        switch target.member {
        case .master:
            appendInfoFields(state, now: now, add: add, add)
            add("config-epoch", master.settings.configEpoch)
            add("num-slaves", Int64(master.replicas.count))
            add("num-other-sentinels", Int64(master.sentinels.count))
            add("quorum", Int64(master.settings.quorum))
            add("failover-timeout", master.settings.failoverTimeoutMilliseconds)
            add("parallel-syncs", Int64(master.settings.parallelSyncs))
            if let script = master.settings.notificationScript { add("notification-script", script) }
            if let script = master.settings.clientReconfigScript { add("client-reconfig-script", script) }
            // Vigil only, shown only when set, so replies match redis-sentinel's otherwise.
            if master.settings.promotionMaxLagBytes != 0 {
                add("vigil-promotion-max-lag-bytes", master.settings.promotionMaxLagBytes)
                add("vigil-promotion-catch-up-ms", master.settings.promotionCatchUpMilliseconds)
            }
        case .replica(let name):
            appendInfoFields(state, now: now, add: add, add)
            let replica = master.replicas[master.replicaIndex(named: name)!]
            add("master-link-down-time", replica.masterLinkDownMilliseconds)
            add("master-link-status", replica.masterLinkUp ? "ok" : "err")
            add("master-host", replica.masterHost ?? "?")
            add("master-port", Int64(replica.masterPort))
            add("slave-priority", Int64(replica.priority))
            add("slave-repl-offset", replica.replicationOffset)
            add("replica-announced", replica.announced ? 1 : 0)
        case .sentinel(let runID):
            let peer = master.sentinels[master.sentinelIndex(runID: runID)!]
            add("last-hello-message", now - (peer.lastHello ?? state.roleReportedAt))
            add("voted-leader", peer.votedLeader ?? "?")
            add("voted-leader-epoch", peer.votedLeaderEpoch)
        }
        return .fields(fields)
    }

    private func appendInfoFields(
        _ state: InstanceState, now: Instant, add text: (String, String) -> Void, _ number: (String, Int64) -> Void
    ) {
        number("info-refresh", state.infoRefreshed.map { now - $0 } ?? 0)
        text("role-reported", state.roleReported.rawValue)
        number("role-reported-time", now - state.roleReportedAt)
    }
}

extension PeerSentinel {
    /// Set from the peer's last IS-MASTER-DOWN-BY-ADDR reply.
    public var reportsMasterDown: Bool { masterDownReportedAt != nil }
}
