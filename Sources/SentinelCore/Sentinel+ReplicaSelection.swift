extension Sentinel {
    /// The replica to promote (§3.6): healthy, recently heard from, not priority 0, replication link
    /// not down for too long; then lowest priority, highest offset, smallest run id.
    ///
    /// `inSyncWithMaster` (coordinated switchovers): the master hands over only to a replica that it
    /// lists online, so the replica must also say that it replicates from this master with its link
    /// up. Redis's rule lets a replica still in its first sync through (its link has been down for
    /// less than ten down-after periods), which is right when the master is dead but makes a live
    /// master refuse with "target replica is not online".
    public func selectReplica(_ m: Int, now: Instant, inSyncWithMaster: Bool = false) -> ReplicaState? {
        let master = masters[m]
        let masterDown = master.instance.isSubjectivelyDown
        let infoValidity = masterDown ? 5 * timing.pingPeriod : 3 * timing.infoPeriod
        var linkDownLimit = 10 * master.instance.downAfterMilliseconds
        if masterDown, let since = master.instance.subjectiveDownSince { linkDownLimit += now - since }
        let candidates = master.replicas.filter { replica in
            let state = replica.instance
            guard !state.isSubjectivelyDown, !state.link.isDisconnected, replica.priority != 0 else { return false }
            guard now - state.link.lastAvailable <= 5 * timing.pingPeriod else { return false }
            guard let refreshed = state.infoRefreshed, now - refreshed <= infoValidity else { return false }
            if inSyncWithMaster {
                guard replica.masterLinkUp, let host = replica.masterHost,
                    Address(host: host, port: replica.masterPort).sameAs(master.instance.address)
                else { return false }
            }
            return replica.masterLinkDownMilliseconds <= linkDownLimit
        }
        return candidates.min(by: Sentinel.promotesBefore)
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
