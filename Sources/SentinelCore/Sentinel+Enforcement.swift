extension Sentinel {
    /// Vigil polls replicas this often while a failover runs, instead of Redis's one second, so that
    /// promotion and reconfiguration are seen within tens of milliseconds.
    static let failoverInfoPeriodMilliseconds: Int64 = 50

    /// The master is in a state worth enforcing on others (§3.8).
    func masterLooksSane(_ m: Int, now: Instant) -> Bool {
        let state = masters[m].instance
        guard state.roleReported == .master, !state.isSubjectivelyDown, !masters[m].isObjectivelyDown,
            let refreshed = state.infoRefreshed
        else { return false }
        return now - refreshed < 2 * timing.infoPeriod
    }

    func noDown(_ state: InstanceState, for milliseconds: Int64, now: Instant) -> Bool {
        guard let since = state.subjectiveDownSince else { return true }
        return now - since > milliseconds
    }

    /// Replicas must follow our view: one that claims to be master is demoted (a restarted old master),
    /// one that follows another address is repointed, both only once things have been calm for a while.
    mutating func enforceReplicaConfiguration(_ m: Int, replica name: String, report: InfoReport, now: Instant, into effects: inout [Effect]) {
        guard let r = masters[m].replicaIndex(named: name), masters[m].failover?.promotedReplica != name,
            masterLooksSane(m, now: now)
        else { return }
        let replica = masters[m].replicas[r]
        let target = ref(masters[m].name, .replica(name))
        let masterAddress = masters[m].instance.address
        if report.role == .master {
            // Redis waits 8 s so that a newer configuration naming this node master can reach us
            // first; meanwhile an old master back from a partition acknowledges writes that its
            // demotion throws away. No newer configuration can name it when it still writes the very
            // history our master was promoted from: promotion starts a new history, so it has not
            // been promoted since. Such a node is demoted at once.
            if !isHistoryOurMasterWasPromotedFrom(m, report) {
                let wait = 4 * timing.publishPeriod
                guard noDown(replica.instance, for: wait, now: now), now - replica.instance.roleReportedAt > wait else { return }
            }
            sendReplicaOf(target, masterAddress, into: &effects)
            effects += event(about: target) { .convertToReplica($0) }
        } else if report.role == .slave, let host = report.masterHost, let port = report.masterPort,
            !sameAddress(Address(host: host, port: port), masterAddress)
        {
            let wait = masters[m].settings.failoverTimeoutMilliseconds
            guard noDown(replica.instance, for: wait, now: now), now - replica.masterConfigChangedAt > wait else { return }
            sendReplicaOf(target, masterAddress, into: &effects)
            effects += event(about: target) { .fixReplicaConfig($0) }
        }
    }

    /// Whether a node claiming to be master writes the replication history that our master
    /// continued when it was promoted (its `master_replid` is our master's `master_replid2`).
    func isHistoryOurMasterWasPromotedFrom(_ m: Int, _ report: InfoReport) -> Bool {
        guard let history = report.replicationID, let info = masters[m].instance.cachedInfo,
            let continued = InfoReport(parsing: info).previousReplicationID
        else { return false }
        return history == continued
    }
}
