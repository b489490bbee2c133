extension Sentinel {
    /// The `# Sentinel` section of INFO, without its header (§1.1).
    public func infoSentinelLines(now: Instant) -> [String] {
        var lines = [
            "sentinel_masters:\(masters.count)",
            "sentinel_tilt:\(inTilt ? 1 : 0)",
            "sentinel_tilt_since_seconds:\(tiltSince.map { (now - $0) / 1000 } ?? -1)",
            "sentinel_running_scripts:\(scripts.runningCount)",
            "sentinel_scripts_queue_length:\(scripts.queuedCount)",
            "sentinel_simulate_failure_flags:\(simulateFailure.rawValue)",
        ]
        for (index, master) in masters.enumerated() {
            let status = master.isObjectivelyDown ? "odown" : master.instance.isSubjectivelyDown ? "sdown" : "ok"
            let address = announced(master.instance.address)
            lines.append(
                "master\(index):name=\(master.name),status=\(status),address=\(address.host):\(address.port),"
                    + "slaves=\(master.replicas.count),sentinels=\(master.sentinels.count + 1)")
        }
        return lines
    }

    public func monitoredMasterNames() -> [String] { masters.map(\.name) }

    /// One line for systemd's STATUS=: how many masters are ok, subjectively or objectively down,
    /// which failovers run, and TILT. It changes only when one of those does.
    public func statusLine() -> String {
        let objectivelyDown = masters.filter(\.isObjectivelyDown).count
        let subjectivelyDown = masters.filter { !$0.isObjectivelyDown && $0.instance.isSubjectivelyDown }.count
        var line = "masters: \(masters.count - objectivelyDown - subjectivelyDown) ok, \(subjectivelyDown) sdown, \(objectivelyDown) odown"
        let failovers = masters.filter { $0.failover != nil }.map(\.name)
        line += failovers.isEmpty ? "; no failover in progress" : "; failover in progress: " + failovers.joined(separator: ", ")
        if inTilt { line += "; TILT mode" }
        return line
    }
}
