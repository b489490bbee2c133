import SentinelCore

/// One seeded run in two phases. Phase 1: masters fail (one crashes or hangs, or a host carrying
/// several of them is lost) while faults hit the sentinels and the network (a sentinel crash or
/// pause, an isolation, a symmetric partition, a partial cut, message loss, a replica crash); the
/// checkers watch votes, leaders and epochs. Phase 2: everything heals; every sentinel must then name
/// the same master for each group, the node that really is master, and the other live nodes must
/// replicate it. Liveness is checked too (see `LivenessCheck`): a failed master is switched in time.
public enum FailoverScenario {
    public struct Violation: Error, CustomStringConvertible {
        public var parameters: SimulationWorld.Parameters
        public var messages: [String]
        /// The world as the run left it, for tracing a failing seed.
        public var world: SimulationWorld?
        public var description: String { "[\(parameters)] " + messages.joined(separator: "; ") }
    }

    public static let phaseOneMilliseconds: Int64 = 25_000
    /// Long enough for a restarted old master to be converted (8 s of calm plus INFO periods).
    public static let phaseTwoMilliseconds: Int64 = 60_000
    static let discoveryMilliseconds: Int64 = 6_000

    /// What a run checked, for the distribution `vigil simulate` prints.
    public struct Outcome: Sendable {
        public var world: SimulationWorld
        /// For each failed master checked for liveness: +switch-master minus failure minus down-after.
        public var switchDelays: [Int64]
        /// A switchover in a clean world: from the command to the first +switch-master, and how long
        /// the master's writes were paused.
        public var switchoverMilliseconds: Int64? = nil
        public var writePauseMilliseconds: Int64? = nil
    }

    /// A switchover in a clean world is done within this long of the command: an election, the
    /// pause, a few reads of the replica and its promotion, each a round trip of at most 40 ms.
    public static let switchoverBoundMilliseconds: Int64 = 1_000

    /// `coordinatedSwitchover`: instead of failing, the master is switched over on purpose
    /// (`SENTINEL FAILOVER mymaster COORDINATED` to a random sentinel) while the same faults hit.
    public static func run(seed: UInt64, coordinatedSwitchover: Bool = false) -> Result<SimulationWorld, Violation> {
        runChecked(seed: seed, coordinatedSwitchover: coordinatedSwitchover).map(\.world)
    }

    public static func runChecked(seed: UInt64, coordinatedSwitchover: Bool = false) -> Result<Outcome, Violation> {
        let parameters = SimulationWorld.Parameters(seed: seed)
        var world = SimulationWorld(parameters: parameters)
        world.run(until: Instant(milliseconds: discoveryMilliseconds))
        // Faults of the sentinels and the network, drawn first so a clean world is known up front.
        let sentinelFault = world.randomBelow(6)
        let victim = Int(world.randomBelow(Int64(parameters.sentinelCount)))
        let crashedReplica = parameters.replicaCount > 1 && world.randomBelow(4) == 0
            ? 1 + Int(world.randomBelow(Int64(parameters.replicaCount))) : nil
        let clean = sentinelFault == 5 && parameters.lossPerMille == 0 && crashedReplica == nil
        if !clean { world.startMessageLoss() }
        // One master crashes or hangs, a host carrying several masters is lost, or the masters stay up.
        var masterFault = world.randomBelow(4)
        let commandAt = world.now
        if coordinatedSwitchover {
            masterFault = 2
            let asked = Int(world.randomBelow(Int64(parameters.sentinelCount)))
            _ = world.command(sentinel: asked, ["FAILOVER", "mymaster", "COORDINATED"])
            // Faults arrive before, during or after the handover.
            world.run(until: world.now + world.randomBelow(1_500))
        }
        let failedGroups = chooseFailedGroups(masterFault, in: &world)
        let failedNodes = failedGroups.map { world.groups[$0].nodes[0] }
        for node in failedNodes {
            if masterFault == 1 { world.pause(node: node) } else { world.crash(node: node) }
        }
        var liveness = LivenessCheck(world: world, failedGroups: failedGroups)
        switch sentinelFault {
        case 0: world.crash(sentinel: victim)
        case 4: world.pause(sentinel: victim)
        case 1: world.isolate(sentinel: victim)
        case 2:
            let sentinelsOnOneSide = Set(world.sentinels.indices.filter { _ in world.randomBelow(2) == 0 })
            let nodesOnOneSide = Set(world.nodes.indices.filter { _ in world.randomBelow(2) == 0 })
            world.partition(sentinelsOnOneSide: sentinelsOnOneSide, nodesOnOneSide: nodesOnOneSide)
        case 3:
            let lost = world.allEndpoints.filter { $0 != .sentinel(victim) && world.randomBelow(2) == 0 }
            world.cut(sentinel: victim, from: lost)
        default:
            break
        }
        if let replica = crashedReplica { world.crash(node: replica) }
        let phaseOneEnd = Instant(milliseconds: discoveryMilliseconds) + max(phaseOneMilliseconds, 2 * parameters.downAfter)
        var faultLasts = parameters.downAfter / 2 + world.randomBelow(phaseOneEnd - world.now)
        // In a clean world the failed masters stay down until they must have been switched.
        if clean { faultLasts = max(faultLasts, liveness.bound + 1_000) }
        // A lost host stays lost in one run of two: its replicas must take over for good.
        let hostStaysLost = masterFault == 3 && world.randomBelow(2) == 0
        world.run(until: world.now + faultLasts)
        if clean { liveness.checkSwitched(in: world, from: liveness.failedAt) }
        if !hostStaysLost {
            for node in failedNodes {
                if masterFault == 1 { world.resume(node: node) } else { world.restart(node: node) }
            }
        }
        world.run(until: max(world.now, phaseOneEnd))
        world.restart(sentinel: victim)
        world.resume(sentinel: victim)
        if let replica = crashedReplica { world.restart(node: replica) }
        world.healNetwork()
        let healedAt = world.now
        if hostStaysLost && !clean {
            // After the faults, a vote given to a leader that then vanished holds its voter back for
            // twice the failover timeout, as in Redis; a sentinel that was paused comes back in TILT
            // and decides nothing for the TILT period. Those are the allowances here.
            var allowance = 2 * SimulationWorld.failoverTimeout + 1_000
            if sentinelFault == 4 { allowance += Timing().tiltPeriod }
            world.run(until: world.now + liveness.bound + allowance)
            liveness.checkSwitched(in: world, from: healedAt, allowance: allowance)
        }
        world.run(until: healedAt + phaseTwoMilliseconds)
        var problems = world.violations + liveness.violations
        problems += convergenceProblems(world)
        var outcome = Outcome(world: world, switchDelays: liveness.switchDelays)
        if coordinatedSwitchover && clean && parameters.replicaCount > 0 {
            (outcome.switchoverMilliseconds, outcome.writePauseMilliseconds) = switchoverTimes(world, commandAt: commandAt)
            if (outcome.switchoverMilliseconds ?? .max) > switchoverBoundMilliseconds {
                problems.append("the switchover asked for at \(commandAt) in a clean world took \(outcome.switchoverMilliseconds.map { "\($0) ms" } ?? "forever")")
            }
            if (outcome.writePauseMilliseconds ?? 0) > switchoverBoundMilliseconds {
                problems.append("the switchover held the master's writes for \(outcome.writePauseMilliseconds!) ms")
            }
        }
        if problems.isEmpty { return .success(outcome) }
        return .failure(Violation(parameters: parameters, messages: problems, world: world))
    }

    /// From the command to the first +switch-master of `mymaster`, and how long its master's writes
    /// were held (nil when it handed over without a pause of ours: `FAILOVER TO`).
    static func switchoverTimes(_ world: SimulationWorld, commandAt: Instant) -> (Int64?, Int64?) {
        let switched = world.events.first { entry in
            if case .switchMaster(let master, _, _) = entry.event { return master == "mymaster" && entry.at >= commandAt }
            return false
        }
        let pause = world.handoverPauses.first { $0.node == world.groups[0].nodes[0] }
        return (switched.map { $0.at - commandAt }, pause?.milliseconds)
    }

    /// The groups whose master fails: one (crash or hang), those of a lost host (each master lives on
    /// one of two hosts), or none.
    static func chooseFailedGroups(_ masterFault: Int64, in world: inout SimulationWorld) -> [Int] {
        let count = world.groups.count
        switch masterFault {
        case 0, 1: return [Int(world.randomBelow(Int64(count)))]
        case 3:
            let lostHost = world.randomBelow(2)
            let lost = (0..<count).filter { _ in world.randomBelow(2) == lostHost }
            return lost.isEmpty ? [0] : lost
        default: return []
        }
    }

    static func convergenceProblems(_ world: SimulationWorld) -> [String] {
        var problems: [String] = []
        for group in world.groups {
            // A group whose every node is down has nothing to converge on.
            guard group.nodes.contains(where: { !world.nodes[$0].crashed }) else { continue }
            let views = group.watchers.map { world.sentinels[$0].currentMasterAddress(named: group.name) }
            guard let agreed = views.first ?? nil, views.allSatisfy({ $0 == agreed }) else {
                problems.append("sentinels disagree on \(group.name) after healing: \(views.map { $0?.description ?? "none" })")
                continue
            }
            guard let node = world.node(at: agreed), world.nodes[node].isMaster, !world.nodes[node].crashed else {
                problems.append("sentinels name \(agreed) for \(group.name) but it is not a live master")
                continue
            }
            for other in group.nodes where other != node && !world.nodes[other].crashed && world.nodes[other].role != .replica(of: agreed) {
                problems.append("node \(world.nodes[other].address) does not replicate \(agreed) after healing")
            }
        }
        return problems
    }
}
