import SentinelCore

/// Liveness: a failed master must be switched in time, not only safely. Checked where it must hold:
/// every sentinel that watches the master is up and connected, no message is lost, and the master
/// has a replica. The bound is the master's down-after (a master's down-after counts from its last
/// valid reply once a ping goes unanswered, so the ping interval adds nothing), plus one second for
/// agreement, election, promotion and announcement, plus twenty times the largest network delay the
/// world draws (each step is a round trip or two).
struct LivenessCheck {
    let groups: [(index: Int, name: String)]
    let failedAt: Instant
    let bound: Int64
    let downAfter: Int64
    var violations: [String] = []
    var switchDelays: [Int64] = []

    init(world: SimulationWorld, failedGroups: [Int]) {
        let parameters = world.parameters
        groups = failedGroups.filter { world.groups[$0].nodes.count > 1 }.map { ($0, world.groups[$0].name) }
        failedAt = world.now
        downAfter = parameters.downAfter
        bound = parameters.downAfter + 1_000 + 20 * parameters.maxNetworkDelay
    }

    /// Every failed master must have been switched (a `+switch-master` from any sentinel after the
    /// failure) by `from + bound + allowance`.
    mutating func checkSwitched(in world: SimulationWorld, from: Instant, allowance: Int64 = 0) {
        let deadline = from + bound + allowance
        for group in groups {
            let switched = world.events.first { entry in
                guard entry.at >= failedAt, case .switchMaster(let master, _, _) = entry.event else { return false }
                return master == group.name
            }
            guard let switched, switched.at <= deadline else {
                let when = switched.map { "only at \($0.at)" } ?? "never"
                violations.append("liveness: \(group.name) failed at \(failedAt), switched \(when), bound \(deadline)")
                continue
            }
            if allowance == 0 { switchDelays.append(switched.at - failedAt - downAfter) }
        }
    }
}
