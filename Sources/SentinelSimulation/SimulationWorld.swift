import SentinelCore

/// One seeded run: sentinels and modelled Redis nodes on a virtual clock and network.
/// Everything random comes from one SplitMix64, so a seed replays exactly.
public struct SimulationWorld: Sendable {
    public struct Parameters: Sendable, CustomStringConvertible {
        public var seed: UInt64
        public var sentinelCount: Int
        /// Masters watched by the same sentinels (1 to 20); the first is called `mymaster`.
        public var masterCount: Int
        /// Replicas of each master (0 to 3).
        public var replicaCount: Int
        public var quorum: Int
        public var downAfter: Int64
        public var maxNetworkDelay: Int64
        /// Chance in a thousand that a message is lost while faults last (a lost message closes its
        /// link, as a broken TCP connection would).
        public var lossPerMille: Int64
        /// Some masters are watched by only part of the sentinels (at least three, and the quorum).
        public var partialWatching: Bool
        /// The nodes refuse `CLIENT PAUSE ... WRITE` (an ACL without it, or a Redis before 6.2), so a
        /// switchover falls back to `FAILOVER TO`.
        public var pauseRefused: Bool
        public var description: String {
            "seed=\(seed) sentinels=\(sentinelCount) masters=\(masterCount) replicas=\(replicaCount) quorum=\(quorum) downAfter=\(downAfter) delay<=\(maxNetworkDelay) loss=\(lossPerMille)/1000 partial=\(partialWatching)"
                + (pauseRefused ? " pause-refused" : "")
        }

        public init(seed: UInt64) {
            var random = SplitMix64(seed: seed)
            self.seed = seed
            sentinelCount = 3 + Int(random.below(5))
            // Mostly one or a few masters; one world in five has up to twenty, watched by three or
            // four sentinels (a world's cost grows with masters times sentinels squared).
            switch random.below(10) {
            case 0...4: masterCount = 1
            case 5...7: masterCount = 2 + Int(random.below(3))
            default:
                masterCount = 5 + Int(random.below(16))
                sentinelCount = 3 + Int(random.below(2))
            }
            replicaCount = masterCount == 1 ? 1 + Int(random.below(3)) : Int(random.below(4))
            quorum = 1 + Int(random.below(Int64(sentinelCount)))
            // Down-after from 50 ms to 30 s, spread over its orders of magnitude.
            switch random.below(4) {
            case 0: downAfter = 50 + random.below(200)
            case 1: downAfter = 250 + random.below(750)
            case 2: downAfter = 1_000 + random.below(4_000)
            default: downAfter = 5_000 + random.below(25_001)
            }
            // A network whose round trips come near down-after cannot tell a slow node from a dead
            // one; no operator runs such a setting, so delays stay under a tenth of down-after.
            maxNetworkDelay = 1 + random.below(min(20, downAfter / 10))
            lossPerMille = random.below(4) == 0 ? random.below(20) : 0
            partialWatching = masterCount > 1 && sentinelCount > 3 && random.below(3) == 0
            // Drawn last, so every earlier parameter of a seed stays as it was before it existed.
            pauseRefused = random.below(5) == 0
        }
    }

    /// One monitored master with its replicas: its name, its nodes (the master first, as configured)
    /// and the sentinels that watch it.
    public struct Group: Sendable {
        public var name: String
        public var nodes: [Int]
        public var watchers: [Int]
        public var quorum: Int
    }

    enum Endpoint: Hashable, Sendable {
        case node(Int)
        case sentinel(Int)
    }

    struct Delivery: Sendable {
        var at: Instant
        var order: Int
        var sentinel: Int
        var input: Input
    }

    /// Something that reached a paused sentinel: a delivery to it, or a request a peer sent it.
    enum HeldForSentinel: Sendable {
        case delivery(Input)
        case request(from: Int, link: LinkID, purpose: RequestPurpose, words: [String])
    }

    struct Cut: Hashable, Sendable {
        var sentinel: Int
        var endpoint: Endpoint
    }

    struct LinkEnd: Sendable {
        var endpoint: Endpoint
        var kind: LinkKind
    }

    public let parameters: Parameters
    public internal(set) var now = Instant(milliseconds: 0)
    public internal(set) var sentinels: [Sentinel] = []
    public internal(set) var nodes: [ModelRedisNode] = []
    public internal(set) var groups: [Group] = []
    var nodeIndexByAddress: [Address: Int] = [:]
    var groupOfNode: [Int] = []
    public internal(set) var sentinelAddresses: [Address] = []
    /// Sentinels that are down (crashed) do not tick or receive.
    public internal(set) var crashedSentinels: Set<Int> = []
    /// Paused sentinels (SIGSTOP, a long GC-like stall) neither tick nor read: what reaches them
    /// waits, in order, until they resume, and their clock has jumped when they do.
    public internal(set) var pausedSentinels: Set<Int> = []
    var heldForSentinels: [Int: [HeldForSentinel]] = [:]
    /// Network cuts: a sentinel cannot reach an endpoint. Between two sentinels a cut works both ways,
    /// as TCP needs both directions; cuts need not be transitive (A reaches B, B reaches C, A not C).
    var cuts: Set<Cut> = []
    /// Cuts between nodes, each pair held lowest index first: replication does not cross them, so a
    /// replica cut from its master falls behind and reports its link down, as the partition harness
    /// showed real ones do (the stale replica a failover may then promote).
    var nodeCuts: Set<[Int]> = []
    /// When each replica was first seen cut from its master, for its INFO's link-down seconds.
    var replicationCutAt: [Int: Instant] = [:]
    /// Message loss belongs to the fault phase: it starts with the faults, after the sentinels have
    /// found each other, and healing the network stops it. (Before discovery a sentinel counts a
    /// majority over the peers it knows, as Redis Sentinel does; that start-up window is not modelled.)
    public internal(set) var lossActive = false
    var random: SplitMix64
    var nextTick: [Instant] = []
    var queue = DeliveryQueue()
    var deliveryOrder = 0
    var links: [[LinkID: LinkEnd]] = []
    /// Requests a paused node has received and will answer when resumed.
    var heldRequests: [Int: [(sentinel: Int, link: LinkID, purpose: RequestPurpose, words: [String])]] = [:]
    /// Requests a write-paused node holds back, in arrival order: a PUBLISH (Redis holds it back with
    /// the writes) and whatever follows it on the same link, since a connection's commands run in order.
    var heldByWritePause: [Int: [(sentinel: Int, link: LinkID, purpose: RequestPurpose, words: [String])]] = [:]
    /// When each master's writes were paused, while a demotion must still lose nothing: until it is
    /// unpaused, demoted or restarted, or a second after the pause ran out.
    var writePausedAt: [Int: Instant] = [:]
    /// How long each write pause that ended in a demotion held the writes, in ms, by node.
    public internal(set) var handoverPauses: [(node: Int, milliseconds: Int64)] = []
    public internal(set) var events: [(sentinel: Int, at: Instant, event: SentinelEvent)] = []
    public internal(set) var violations: [String] = []
    var highestEpochSeen: [Int64] = []
    /// Votes by sentinel, master and epoch; leaders by master and epoch (elections are per master).
    var votes: [Int: [String: [Int64: String]]] = [:]
    var leadersByEpoch: [String: [Int64: Int]] = [:]
    /// What each sentinel last made durable: a restarted sentinel starts from this, as from its file.
    var persisted: [Int: SentinelConfig] = [:]
    /// Nodes and peers that lie, in a hostile world (see `HostileScenario`).
    var hostility: Hostility?

    public init(parameters: Parameters) {
        self.parameters = parameters
        random = SplitMix64(seed: parameters.seed ^ 0x5EED)
        for g in 0..<parameters.masterCount {
            let masterAddress = Address(host: "10.\(g).0.1", port: 6379)
            var group = Group(name: g == 0 ? "mymaster" : "master-\(g)", nodes: [nodes.count],
                              watchers: Array(0..<parameters.sentinelCount), quorum: parameters.quorum)
            nodes.append(ModelRedisNode(address: masterAddress, runID: random.hexIdentifier(), role: .master))
            for index in 0..<parameters.replicaCount {
                let address = Address(host: "10.\(g).1.\(index + 1)", port: 6379)
                var replica = ModelRedisNode(address: address, runID: random.hexIdentifier(), role: .replica(of: masterAddress))
                replica.replicationOffset = random.below(1_000)
                group.nodes.append(nodes.count)
                nodes.append(replica)
            }
            if parameters.partialWatching && g > 0 && random.below(2) == 0 {
                let size = max(3, parameters.quorum) + Int(random.below(Int64(parameters.sentinelCount - max(3, parameters.quorum) + 1)))
                var everyone = Array(0..<parameters.sentinelCount)
                for i in stride(from: everyone.count - 1, to: 0, by: -1) { everyone.swapAt(i, Int(random.below(Int64(i + 1)))) }
                group.watchers = everyone.prefix(size).sorted()
            }
            groups.append(group)
        }
        for index in nodes.indices { nodeIndexByAddress[nodes[index].address] = index }
        groupOfNode = nodes.indices.map { node in groups.firstIndex { $0.nodes.contains(node) }! }
        for index in 0..<parameters.sentinelCount {
            sentinelAddresses.append(Address(host: "10.255.9.\(index + 1)", port: 26379))
            let watched = groups.filter { $0.watchers.contains(index) }
            sentinels.append(SimulationWorld.makeSentinel(parameters: parameters, watching: watched, nodes: nodes, seed: random.next()))
            // Sentinels start within a quarter of down-after of each other (at most 100 ms), as a
            // deployment's processes do; a first tick later than down-after would find the master
            // unanswered since start-up.
            nextTick.append(Instant(milliseconds: random.below(max(1, min(100, parameters.downAfter / 4)))))
            links.append([:])
            highestEpochSeen.append(0)
        }
        for index in sentinels.indices { record(index, sentinels[index].start(now: now)) }
    }

    static func makeSentinel(parameters: Parameters, watching groups: [Group], nodes: [ModelRedisNode], seed: UInt64) -> Sentinel {
        var config = SentinelConfig()
        config.port = 26379
        config.masters = groups.map { group in
            var masterConfig = MasterConfig(name: group.name, address: nodes[group.nodes[0]].address, quorum: group.quorum)
            masterConfig.downAfterMilliseconds = parameters.downAfter
            masterConfig.failoverTimeoutMilliseconds = failoverTimeout
            return masterConfig
        }
        return Sentinel(config: config, seed: seed, now: .zero)
    }

    static let failoverTimeout: Int64 = 6_000


    /// Node addresses never change, so they are indexed once: the model answers thousands of
    /// requests per simulated second in worlds of many masters.
    public func node(at address: Address) -> Int? { nodeIndexByAddress[address] }

    func endpoint(at address: Address) -> Endpoint? {
        if let node = node(at: address) { return .node(node) }
        return sentinelAddresses.firstIndex(of: address).map { .sentinel($0) }
    }
}

/// A binary heap of deliveries ordered by time, then by the order they were sent: deterministic.
struct DeliveryQueue: Sendable {
    private var heap: [SimulationWorld.Delivery] = []

    var isEmpty: Bool { heap.isEmpty }
    var first: SimulationWorld.Delivery? { heap.first }

    private static func before(_ a: SimulationWorld.Delivery, _ b: SimulationWorld.Delivery) -> Bool {
        (a.at, a.order) < (b.at, b.order)
    }

    mutating func push(_ delivery: SimulationWorld.Delivery) {
        heap.append(delivery)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> SimulationWorld.Delivery? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && Self.before(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.before(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
