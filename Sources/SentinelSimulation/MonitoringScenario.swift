import SentinelCore

/// Phase 1: a node is paused or crashed for a while (safety: nobody calls a healthy node down,
/// everybody sees the failed one down). Phase 2: it is healed (every sentinel clears SDOWN).
public enum MonitoringScenario {
    public struct Violation: Error, CustomStringConvertible {
        public var parameters: SimulationWorld.Parameters
        public var message: String
        public var description: String { "[\(parameters)] \(message)" }
    }

    public static func run(seed: UInt64) -> Result<Void, Violation> {
        let parameters = SimulationWorld.Parameters(seed: seed)
        var world = SimulationWorld(parameters: parameters)
        func fail(_ message: String) -> Result<Void, Violation> { .failure(Violation(parameters: parameters, message: message)) }

        let warmUp = Instant(milliseconds: 3_000 + parameters.downAfter)
        world.run(until: warmUp)
        if let early = world.events.first(where: { $0.event.type == "+sdown" }) {
            return fail("+sdown before any fault: sentinel \(early.sentinel) at \(early.at): \(early.event.message)")
        }
        let victim = Int(world.randomBelow(Int64(world.nodes.count)))
        let crash = world.randomBelow(2) == 0
        if crash { world.crash(node: victim) } else { world.pause(node: victim) }
        let faultAt = world.now
        let victimAddress = world.nodes[victim].address
        // Generous: detection needs down-after plus a ping period, a tick and network delays.
        let detectBy = faultAt + parameters.downAfter + 1_000 + 200 + 2 * parameters.maxNetworkDelay
        world.run(until: detectBy)
        for event in world.events where event.event.type == "+sdown" {
            guard event.event.message.contains(" \(victimAddress.host) \(victimAddress.port)") else {
                return fail("healthy node reported down: sentinel \(event.sentinel): \(event.event.message)")
            }
            // Down-after counts from the last good reply, which may precede the fault by up to a ping
            // period (1 s or down-after), a tick and a round trip.
            let earliest = parameters.downAfter - min(parameters.downAfter, 1_000) - 100 - 2 * parameters.maxNetworkDelay
            if event.at - faultAt < earliest {
                return fail("sentinel \(event.sentinel) reported +sdown \(event.at - faultAt) ms after the fault, before down-after allows")
            }
        }
        for sentinel in 0..<parameters.sentinelCount {
            let saw = world.events.contains { $0.sentinel == sentinel && $0.event.type == "+sdown" }
            if !saw { return fail("sentinel \(sentinel) never reported the \(crash ? "crashed" : "paused") node \(victimAddress) down") }
        }
        if crash { world.restart(node: victim) } else { world.resume(node: victim) }
        world.run(until: world.now + 3_000 + parameters.downAfter)
        for sentinel in 0..<parameters.sentinelCount {
            let downs = world.events.filter { $0.sentinel == sentinel && $0.event.type == "+sdown" }.count
            let ups = world.events.filter { $0.sentinel == sentinel && $0.event.type == "-sdown" }.count
            if downs != ups { return fail("sentinel \(sentinel) did not converge after heal: \(downs) +sdown, \(ups) -sdown") }
        }
        return .success(())
    }
}
