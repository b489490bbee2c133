import SentinelCore

/// A hostile world: nodes answer with lying INFO and replies of the wrong shape, peers publish lying
/// hellos, ask for votes with impossible epochs and answer vote requests with lies, and operators set
/// every field to values at its edges, while masters and sentinels crash and restart. Nothing here
/// is expected to fail over well; what must hold is that no sentinel traps (the run returns), every
/// config file a sentinel writes loads again and rewrites to itself, and memory stays bounded (known
/// replicas and peers per master, the config file's size).
public enum HostileScenario {
    public struct Outcome: Sendable {
        public var world: SimulationWorld
        public var liesTold: Int
        public var commandsRefused: Int
    }

    static let discoveryMilliseconds: Int64 = 6_000
    static let hostileMilliseconds: Int64 = 30_000
    /// A config file larger than this means something outside made Vigil grow it without bound.
    public static let maxConfigBytes = 4 << 20

    public static func run(seed: UInt64) -> Result<Outcome, FailoverScenario.Violation> {
        let parameters = SimulationWorld.Parameters(seed: seed)
        var world = SimulationWorld(parameters: parameters)
        world.hostility = Hostility(seed: seed)
        world.run(until: Instant(milliseconds: discoveryMilliseconds))
        world.hostility!.active = true
        var refused = 0
        let end = world.now + hostileMilliseconds
        // Bounded: each round advances virtual time by at least 10 ms.
        while world.now < end {
            for _ in 0..<(1 + Int(world.randomBelow(3))) { refused += world.actHostile() }
            world.run(until: min(end, world.now + 10 + world.randomBelow(300)))
        }
        world.hostility!.active = false
        world.healAll()
        world.run(until: world.now + 10_000)
        for sentinel in world.sentinels.indices { world.checkConfigLoads(sentinel) }
        world.checkBounded()
        if world.violations.isEmpty {
            return .success(Outcome(world: world, liesTold: world.hostility!.liesTold, commandsRefused: refused))
        }
        return .failure(FailoverScenario.Violation(parameters: parameters, messages: world.violations, world: world))
    }
}

extension SimulationWorld {
    /// One hostile act: a lying hello, a lying vote request, an operator's edge-value command, or a
    /// crash or restart. Returns 1 when a command was refused with an error.
    mutating func actHostile() -> Int {
        let sentinel = Int(random.below(Int64(sentinels.count)))
        guard !crashedSentinels.contains(sentinel) else {
            restart(sentinel: sentinel)
            return 0
        }
        let masters = groups.map { (name: $0.name, address: sentinels[sentinel].currentMasterAddress(named: $0.name) ?? nodes[$0.nodes[0]].address) }
        let peers = sentinelAddresses.indices.map { (address: sentinelAddresses[$0], runID: sentinels[$0].myID) }
        let epoch = sentinels[sentinel].currentEpoch
        switch random.below(10) {
        case 0...3:
            let payload = hostility!.hello(masters: masters, peers: peers, epoch: epoch)
            hostility!.liesTold += 1
            if let link = links[sentinel].sorted(by: { $0.key < $1.key }).first(where: { $0.value.kind == .pubsub })?.key, random.below(2) == 0 {
                deliver(.messageReceived(link, channel: Sentinel.helloChannel, payload: payload), to: sentinel)
            } else {
                record(sentinel, sentinels[sentinel].receiveHello(payload, now: now))
            }
        case 4...5:
            hostility!.liesTold += 1
            let words = hostility!.askMasterDown(masters: masters.map(\.address), peers: peers.map(\.runID), epoch: epoch)
            if case .error = command(sentinel: sentinel, words) { return 1 }
        case 6...8:
            let words = hostility!.operatorCommand(masterNames: masters.map(\.name))
            if case .error = command(sentinel: sentinel, words) { return 1 }
        default:
            switch random.below(4) {
            case 0: crash(sentinel: sentinel)
            case 1: crash(node: Int(random.below(Int64(nodes.count))))
            default: restart(node: Int(random.below(Int64(nodes.count))))
            }
        }
        return 0
    }

    /// A lying peer's reply to a SENTINEL command: a vote of impossible shape or content.
    mutating func lyingPeerReply() -> RedisValue {
        hostility!.liesTold += 1
        guard hostility!.values.chance(600) else { return hostility!.values.redisValue() }
        let peers = sentinels.map(\.myID)
        let down = hostility!.values.pick([0, 1, -1, Int64.max])
        let leader = hostility!.values.runID(real: peers)
        let epoch = hostility!.values.pick([0, 1, Int64.max, Int64.min, sentinels[0].currentEpoch &+ 1])
        hostility!.forgedVotes.insert(Hostility.ForgedVote(leader: leader, epoch: epoch))
        return .array([.integer(down), .string(leader), .integer(epoch)])
    }

    /// The config file the sentinel would now write loads again, and rewriting it changes nothing.
    /// A restarted sentinel starts from what was loaded, as the daemon does.
    mutating func checkConfigLoads(_ sentinel: Int) {
        let existing = hostility?.configTexts[sentinel] ?? ""
        let text = ConfigFile.rewrite(existing: existing, with: sentinels[sentinel].currentConfig())
        hostility?.configTexts[sentinel] = text
        if text.utf8.count > HostileScenario.maxConfigBytes {
            violations.append("sentinel \(sentinel)'s config file grew to \(text.utf8.count) bytes at \(now)")
        }
        do {
            let loaded = try ConfigFile.parse(text)
            let again = ConfigFile.rewrite(existing: text, with: loaded)
            if again != text {
                violations.append("sentinel \(sentinel)'s config file changes when loaded and rewritten at \(now): \(firstDifference(text, again))")
            }
            persisted[sentinel] = loaded
        } catch {
            violations.append("sentinel \(sentinel) wrote a config file that does not load at \(now): \(error)")
        }
    }

    func firstDifference(_ a: String, _ b: String) -> String {
        let left = a.split(separator: "\n", omittingEmptySubsequences: false)
        let right = b.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(left.count, right.count) {
            let l = index < left.count ? String(left[index]) : "<none>"
            let r = index < right.count ? String(right[index]) : "<none>"
            if l != r { return "line \(index + 1): \(l.debugDescription) became \(r.debugDescription)" }
        }
        return "no line differs"
    }

    /// Memory stays bounded whatever was said: known replicas and peers per master within the core's limits.
    mutating func checkBounded() {
        for sentinel in sentinels.indices where !crashedSentinels.contains(sentinel) {
            for master in sentinels[sentinel].currentConfig().masters {
                if master.knownReplicas.count > CoreLimits.maxReplicasPerMaster {
                    violations.append("sentinel \(sentinel) knows \(master.knownReplicas.count) replicas of \(master.name.debugDescription)")
                }
                if master.knownSentinels.count > CoreLimits.maxSentinelsPerMaster {
                    violations.append("sentinel \(sentinel) knows \(master.knownSentinels.count) peers for \(master.name.debugDescription)")
                }
            }
        }
    }

    /// Every crashed node and sentinel comes back, paused ones resume and the network heals.
    mutating func healAll() {
        for node in nodes.indices where nodes[node].crashed { restart(node: node) }
        for sentinel in sentinels.indices {
            restart(sentinel: sentinel)
            resume(sentinel: sentinel)
        }
        healNetwork()
    }
}
