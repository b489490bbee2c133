extension Sentinel {
    mutating func replyReceived(_ id: LinkID, _ purpose: RequestPurpose, _ value: RedisValue, now: Instant) -> [Effect] {
        guard let owner = linkOwners[id] else { return [] }
        var effects: [Effect] = []
        let target: InstanceRef
        switch owner {
        case .instance(let instance, .pubsub):
            withInstance(instance) { $0.link.lastPubsubActivity = now }
            // A failed SUBSCRIBE (wrong or missing password) drops the pub/sub connection, as hiredis
            // does in Redis: the instance then shows `disconnected` until a later reconnect succeeds.
            if purpose == .subscribe, value.isError { closeLinks(of: instance, kind: .pubsub, into: &effects) }
            return effects
        case .instance(let instance, .command):
            target = instance
        case .peer(let key):
            if let pending = peerLinks[key]?.link.pendingCommands { peerLinks[key]!.link.pendingCommands = max(0, pending - 1) }
            // A reply about one master (a hello, a vote) goes to that master's entry of the peer, and
            // only while it names the address and run id the link serves; anything else is about the link.
            switch purpose {
            case .publishHello(let master), .askMasterDown(let master):
                target = ref(master, .sentinel(key.runID))
                guard peerLinkKey(of: target) == key else { return effects }
            default:
                guard let user = firstPeerLinkUser(key) else { return effects }
                target = user
            }
            return replyReceived(from: target, purpose, value, now: now)
        }
        withInstance(target) { instance in
            instance.link.pendingCommands = max(0, instance.link.pendingCommands - 1)
        }
        return replyReceived(from: target, purpose, value, now: now)
    }

    /// A reply on a command link, `target` being the instance it is about.
    mutating func replyReceived(from target: InstanceRef, _ purpose: RequestPurpose, _ value: RedisValue, now: Instant) -> [Effect] {
        var effects: [Effect] = []
        switch purpose {
        case .ping:
            pingReplied(target, value, now: now, into: &effects)
        case .info:
            switch value {
            case .string(let text): refreshFromInfo(target, text, now: now, into: &effects)
            case .error(let message): infoRefused(target, message, into: &effects)
            default: break
            }
        case .publishHello:
            // A refused hello (for example -NOAUTH) is sent again on the next tick, as in Redis.
            if value.isError { withInstance(target) { $0.link.lastHelloPublished = nil } }
        case .askMasterDown:
            masterDownReplied(target, value, now: now)
            // Act on the answer now rather than at the next tick: it may complete the quorum or the
            // election (a switchover's too: its master is up, and its writes pause only once elected).
            if !inTilt, let m = masterIndex(of: target),
                masters[m].instance.isSubjectivelyDown || masters[m].failover?.coordinated == true
            {
                checkObjectivelyDown(m, now: now, into: &effects)
                startFailoverIfNeeded(m, now: now, into: &effects)
                if masters[m].failover?.state == .waitStart { advanceFailover(m, now: now, into: &effects) }
            }
        case .handover:
            handoverReplied(target, value, now: now, into: &effects)
        case .handoverPause:
            pauseReplied(target, value, now: now, into: &effects)
        case .handoverOffset:
            pausedOffsetReplied(target, value, now: now, into: &effects)
        case .auth, .setName, .subscribe, .scriptKill, .ignored:
            break
        }
        return effects
    }

    mutating func pingReplied(_ target: InstanceRef, _ value: RedisValue, now: Instant, into effects: inout [Effect]) {
        var available = false
        var busy = false
        switch value {
        case .status(let text):
            available = text == "PONG"
        case .error(let text):
            available = text.hasPrefix("LOADING") || text.hasPrefix("MASTERDOWN")
            busy = text.hasPrefix("BUSY")
        default:
            break
        }
        withInstance(target) { instance in
            instance.link.lastReply = now
            if available {
                instance.link.lastAvailable = now
                instance.link.activePingSince = nil
            }
        }
        if case .status("PONG") = value, case .master = target.member, let m = masterIndex(of: target) {
            masters[m].rebootedSince = nil
        }
        if busy, let state = instance(target), state.isSubjectivelyDown, !state.scriptKillSent {
            sendCommand(target, ["SCRIPT", "KILL"], .scriptKill, into: &effects)
            withInstance(target) { $0.scriptKillSent = true }
        }
    }

    /// Applies an INFO reply (§3.9): run id, replicas of a master, a replica's replication state, role.
    mutating func refreshFromInfo(_ target: InstanceRef, _ text: String, now: Instant, into effects: inout [Effect]) {
        guard let m = masterIndex(of: target), let previous = instance(target) else { return }
        let report = InfoReport.parse(text)
        if !report.ignoredFields.isEmpty {
            effects.append(.log(.notice, "Ignored out-of-range INFO fields from \(describe(target)): "
                + report.ignoredFields.joined(separator: " ")))
        }
        let cached = text.utf8.count > CoreLimits.maxCachedInfoBytes
            ? String(decoding: text.utf8.prefix(CoreLimits.maxCachedInfoBytes), as: UTF8.self) : text
        withInstance(target) { instance in
            instance.cachedInfo = cached
            instance.infoRefreshed = now
        }
        if let runID = report.runID {
            if previous.runID == nil {
                withInstance(target) { $0.runID = runID }
            } else if previous.runID != runID {
                withInstance(target) { $0.runID = runID }
                effects += event(about: target) { .reboot($0) }
                if case .master = target.member, masters[m].settings.masterRebootDownAfterPeriodMilliseconds != 0 {
                    masters[m].rebootedSince = now
                }
            }
        }
        if case .master = target.member {
            discoverReplicas(masterIndex: m, listed: report.listedReplicas, now: now, into: &effects)
            oldMasterReportedDuringHandover(m, report: report, now: now, into: &effects)
        }
        if case .replica(let name) = target.member, let r = masters[m].replicaIndex(named: name) {
            Self.applyReplicationState(report, to: &masters[m].replicas[r], now: now)
        }
        if let role = report.role, role != previous.roleReported {
            withInstance(target) { instance in
                instance.roleReported = role
                instance.roleReportedAt = now
            }
            effects += event(about: target) { .roleChange($0, reported: role) }
        }
        // Acting on what INFO says waits while the clock cannot be trusted.
        if !inTilt, case .replica(let name) = target.member {
            followFailoverProgress(m, replica: name, report: report, now: now, into: &effects)
            enforceReplicaConfiguration(m, replica: name, report: report, now: now, into: &effects)
        }
    }

    mutating func discoverReplicas(masterIndex m: Int, listed: [Address], now: Instant, into effects: inout [Effect]) {
        var added = false
        for address in listed where replicaIndex(m, reportedAt: address) == nil {
            guard masters[m].replicas.count < CoreLimits.maxReplicasPerMaster else { break }
            // A node never replicates from itself: a slave entry with the master's own address is a
            // replica announcing a false address (REPLCONF listening-port), not a second instance.
            guard !sameAddress(address, masters[m].instance.address) else {
                effects.append(.log(.notice, "Ignored replica \(address) listed by master \(masters[m].name): it is the master's own address"))
                continue
            }
            // A replica announcing a hostname (replica-announce-ip) needs resolve-hostnames, as in Redis.
            guard acceptsReportedHost(address.host) else { continue }
            let replica = makeReplica(address, downAfter: masters[m].settings.downAfterMilliseconds, now: now)
            masters[m].appendReplica(replica)
            effects += event(about: ref(masters[m].name, .replica(replica.name))) { .replicaAdded($0) }
            added = true
        }
        if added { effects.append(.persistConfig) }
    }

    static func applyReplicationState(_ report: InfoReport, to replica: inout ReplicaState, now: Instant) {
        replica.masterLinkDownMilliseconds = (report.masterLinkDownSinceSeconds ?? 0) * 1000
        if let host = report.masterHost, host != replica.masterHost {
            replica.masterHost = host
            replica.masterConfigChangedAt = now
        }
        if let port = report.masterPort, port != replica.masterPort {
            replica.masterPort = port
            replica.masterConfigChangedAt = now
        }
        if let up = report.masterLinkUp { replica.masterLinkUp = up }
        if let priority = report.replicaPriority { replica.priority = priority }
        if let offset = report.replicaReplicationOffset { replica.replicationOffset = offset }
        if let announced = report.replicaAnnounced { replica.announced = announced }
    }
}
