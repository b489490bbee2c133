import SentinelCore

/// One seeded run in two phases. Phase 1: the master fails (crash or pause) while faults hit the
/// sentinels and the network (a sentinel crash or pause, an isolation, a symmetric partition, a partial cut,
/// message loss, a replica crash); the checkers watch votes, leaders and epochs.
/// Phase 2: everything heals; every sentinel must then name the same master, the node that really
/// is master, and the other nodes must replicate it.
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

    /// `coordinatedSwitchover`: instead of failing, the master is switched over on purpose
    /// (`SENTINEL FAILOVER mymaster COORDINATED` to a random sentinel) while the same faults hit.
    public static func run(seed: UInt64, coordinatedSwitchover: Bool = false) -> Result<SimulationWorld, Violation> {
        let parameters = SimulationWorld.Parameters(seed: seed)
        var world = SimulationWorld(parameters: parameters)
        world.run(until: Instant(milliseconds: 6_000))
        world.startMessageLoss()
        // The master crashes, hangs, or stays up while only the network and the sentinels fail.
        var masterFault = world.randomBelow(3)
        if coordinatedSwitchover {
            masterFault = 2
            let asked = Int(world.randomBelow(Int64(parameters.sentinelCount)))
            _ = world.command(sentinel: asked, ["FAILOVER", "mymaster", "COORDINATED"])
            // Faults arrive before, during or after the handover.
            world.run(until: world.now + world.randomBelow(1_500))
        }
        switch masterFault {
        case 0: world.crash(node: 0)
        case 1: world.pause(node: 0)
        default: break
        }
        let victim = Int(world.randomBelow(Int64(parameters.sentinelCount)))
        switch world.randomBelow(6) {
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
        // Sometimes a replica dies too, so the failover has fewer candidates.
        let crashedReplica = parameters.replicaCount > 1 && world.randomBelow(4) == 0
            ? 1 + Int(world.randomBelow(Int64(parameters.replicaCount))) : nil
        if let replica = crashedReplica { world.crash(node: replica) }
        let faultLasts = parameters.downAfter / 2 + world.randomBelow(phaseOneMilliseconds)
        world.run(until: world.now + faultLasts)
        switch masterFault {
        case 0: world.restart(node: 0)
        case 1: world.resume(node: 0)
        default: break
        }
        world.run(until: Instant(milliseconds: 6_000) + phaseOneMilliseconds)
        world.restart(sentinel: victim)
        world.resume(sentinel: victim)
        if let replica = crashedReplica { world.restart(node: replica) }
        world.healNetwork()
        world.run(until: world.now + phaseTwoMilliseconds)
        var problems = world.violations
        problems += convergenceProblems(world)
        if problems.isEmpty { return .success(world) }
        return .failure(Violation(parameters: parameters, messages: problems, world: world))
    }

    static func convergenceProblems(_ world: SimulationWorld) -> [String] {
        var problems: [String] = []
        let views = world.sentinels.map { $0.currentMasterAddress(named: "mymaster") }
        guard let agreed = views.first ?? nil, views.allSatisfy({ $0 == agreed }) else {
            return ["sentinels disagree on the master after healing: \(views.map { $0?.description ?? "none" })"]
        }
        guard let node = world.node(at: agreed), world.nodes[node].isMaster else {
            return ["sentinels name \(agreed) but it is not a master"]
        }
        for other in world.nodes.indices where other != node && world.nodes[other].role != .replica(of: agreed) {
            problems.append("node \(world.nodes[other].address) does not replicate \(agreed) after healing")
        }
        return problems
    }
}
