extension Sentinel {
    /// How often the master's INFO is read when `vigil-promotion-max-lag-bytes` is set.
    static let boundedMasterInfoPeriodMilliseconds: Int64 = 1_000

    /// The replica to promote (§3.6): healthy, recently heard from, not priority 0, replication link
    /// not down for too long; then lowest priority, highest offset, smallest run id.
    ///
    /// `inSyncWithMaster` (coordinated switchovers): the master hands over only to a replica that it
    /// lists online, so the master's last INFO must list the replica online, or the replica's own
    /// INFO must say it replicates from this master with its link up (whichever is newer may be the
    /// one that has seen the sync finish). Redis's rule lets a replica still in its first sync through
    /// (its link has been down for less than ten down-after periods), which is right when the master
    /// is dead but makes a live master refuse with "target replica is not online".
    ///
    /// `withinLagBound` (Vigil's `vigil-promotion-max-lag-bytes`): a replica whose offset is further
    /// behind the master's last reported `master_repl_offset` than the bound is not a candidate.
    public func selectReplica(_ m: Int, now: Instant, inSyncWithMaster: Bool = false, withinLagBound: Bool = false) -> ReplicaState? {
        let master = masters[m]
        let masterDown = master.instance.isSubjectivelyDown
        let infoValidity = masterDown ? 5 * timing.pingPeriod : 3 * timing.infoPeriod
        var linkDownLimit = 10 * master.instance.downAfterMilliseconds
        if masterDown, let since = master.instance.subjectiveDownSince { linkDownLimit += now - since }
        let listedOnline = inSyncWithMaster ? InfoReport(parsing: master.instance.cachedInfo ?? "").onlineReplicas : []
        let candidates = master.replicas.filter { replica in
            let state = replica.instance
            // A switchover talks to the replica over its command link only; our pub/sub link to it may
            // still be coming back from the last switchover's CLIENT KILL TYPE pubsub.
            let linked = inSyncWithMaster ? state.link.commandConnected : !state.link.isDisconnected
            guard !state.isSubjectivelyDown, linked, replica.priority != 0 else { return false }
            guard now - state.link.lastAvailable <= 5 * timing.pingPeriod else { return false }
            guard let refreshed = state.infoRefreshed, now - refreshed <= infoValidity else { return false }
            if inSyncWithMaster {
                let replicatesFromMaster = replica.masterLinkUp
                    && replica.masterHost.map { sameAddress(Address(host: $0, port: replica.masterPort), master.instance.address) } == true
                guard replicatesFromMaster || listedOnline.contains(where: { $0.sameAs(state.address) }) else { return false }
            }
            if withinLagBound {
                // An offset read before the replica's current connection may belong to a process that
                // has since restarted empty (a kill, then a first full sync): it proves nothing.
                guard !infoPredatesConnection(replica) else { return false }
                if let behind = replicationLag(m, of: replica), behind > master.settings.promotionMaxLagBytes { return false }
            }
            return replica.masterLinkDownMilliseconds <= linkDownLimit
        }
        return candidates.min(by: Sentinel.promotesBefore)
    }

    /// The master's `master_repl_offset` in its last INFO reply, if any (0 before any write).
    func lastMasterOffset(_ m: Int) -> Int64? {
        // Read through the one INFO parser, as the handover reads the same field; only replica
        // selection asks, so parsing the cached text here costs nothing at rest.
        guard let info = masters[m].instance.cachedInfo else { return nil }
        return InfoReport(parsing: info).masterReplicationOffset
    }

    /// Bytes the replica is behind the master's last reported offset; nil when the bound is off
    /// or the master never reported one (nothing to compare with, so nothing is refused).
    func replicationLag(_ m: Int, of replica: ReplicaState) -> Int64? {
        guard masters[m].settings.promotionMaxLagBytes > 0, let offset = lastMasterOffset(m) else { return nil }
        return max(0, offset - replica.replicationOffset)
    }

    func infoPredatesConnection(_ replica: ReplicaState) -> Bool {
        guard let refreshed = replica.instance.infoRefreshed, let since = replica.instance.link.commandConnectedSince else { return true }
        return refreshed < since
    }

    static func promotesBefore(_ a: ReplicaState, _ b: ReplicaState) -> Bool {
        if a.priority != b.priority { return a.priority < b.priority }
        if a.replicationOffset != b.replicationOffset { return a.replicationOffset > b.replicationOffset }
        switch (a.instance.runID?.lowercased(), b.instance.runID?.lowercased()) {
        case (let x?, let y?): return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a.name < b.name
        }
    }
}
