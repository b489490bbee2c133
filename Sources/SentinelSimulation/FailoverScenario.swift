import SentinelCore

/// One seeded run in two phases. Phase 1: the master fails (crash or pause) while faults hit the
/// sentinels (a crash, an isolation, message loss); the checkers watch votes, leaders and epochs.
/// Phase 2: everything heals; every sentinel must then name the same master, the node that really
/// is master, and the other nodes must replicate it.
public enum FailoverScenario {
    public struct Violation: Error, CustomStringConvertible {
        public var parameters: SimulationWorld.Parameters
        public var messages: [String]
        public var description: String { "[\(parameters)] " + messages.joined(separator: "; ") }
    }

    public static let phaseOneMilliseconds: Int64 = 25_000
    /// Long enough for a restarted old master to be converted (8 s of calm plus INFO periods).
    public static let phaseTwoMilliseconds: Int64 = 60_000

    public static func run(seed: UInt64) -> Result<SimulationWorld, Violation> {
        let parameters = SimulationWorld.Parameters(seed: seed)
        var world = SimulationWorld(parameters: parameters)
        world.run(until: Instant(milliseconds: 6_000))
        let masterCrashes = world.randomBelow(2) == 0
        if masterCrashes { world.crash(node: 0) } else { world.pause(node: 0) }
        let sentinelFault = world.randomBelow(3)
        let victim = Int(world.randomBelow(Int64(parameters.sentinelCount)))
        switch sentinelFault {
        case 0: world.crash(sentinel: victim)
        case 1: world.isolate(sentinel: victim)
        default: break
        }
        let faultLasts = parameters.downAfter / 2 + world.randomBelow(phaseOneMilliseconds)
        world.run(until: world.now + faultLasts)
        if masterCrashes { world.restart(node: 0) } else { world.resume(node: 0) }
        world.run(until: Instant(milliseconds: 6_000) + phaseOneMilliseconds)
        world.restart(sentinel: victim)
        world.heal(sentinel: victim)
        world.run(until: world.now + phaseTwoMilliseconds)
        var problems = world.violations
        problems += convergenceProblems(world)
        if problems.isEmpty { return .success(world) }
        return .failure(Violation(parameters: parameters, messages: problems))
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
