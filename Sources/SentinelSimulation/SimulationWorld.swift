import SentinelCore

/// One seeded run: sentinels and modelled Redis nodes on a virtual clock and network.
/// Everything random comes from one SplitMix64, so a seed replays exactly.
public struct SimulationWorld: Sendable {
    public struct Parameters: Sendable, CustomStringConvertible {
        public var seed: UInt64
        public var sentinelCount: Int
        public var replicaCount: Int
        public var downAfter: Int64
        public var maxNetworkDelay: Int64
        public var description: String {
            "seed=\(seed) sentinels=\(sentinelCount) replicas=\(replicaCount) downAfter=\(downAfter) delay<=\(maxNetworkDelay)"
        }

        public init(seed: UInt64) {
            var random = SplitMix64(seed: seed)
            self.seed = seed
            sentinelCount = 3 + Int(random.below(5))
            replicaCount = 1 + Int(random.below(4))
            downAfter = 200 + random.below(1_800)
            maxNetworkDelay = 1 + random.below(20)
        }
    }

    struct Delivery: Sendable {
        var at: Instant
        var order: Int
        var sentinel: Int
        var input: Input
    }

    struct LinkEnd: Sendable {
        var node: Int
        var kind: LinkKind
    }

    public let parameters: Parameters
    public internal(set) var now = Instant(milliseconds: 0)
    public internal(set) var sentinels: [Sentinel] = []
    public internal(set) var nodes: [ModelRedisNode] = []
    var random: SplitMix64
    var nextTick: [Instant] = []
    var queue: [Delivery] = []
    var deliveryOrder = 0
    var links: [[LinkID: LinkEnd]] = []
    /// Requests a paused node has received and will answer when resumed.
    var heldRequests: [Int: [(sentinel: Int, link: LinkID, purpose: RequestPurpose, words: [String])]] = [:]
    public internal(set) var events: [(sentinel: Int, at: Instant, event: SentinelEvent)] = []

    public init(parameters: Parameters) {
        self.parameters = parameters
        random = SplitMix64(seed: parameters.seed ^ 0x5EED)
        let masterAddress = Address(host: "10.0.0.1", port: 6379)
        nodes.append(ModelRedisNode(address: masterAddress, runID: random.hexIdentifier(), role: .master))
        for index in 0..<parameters.replicaCount {
            let address = Address(host: "10.0.1.\(index + 1)", port: 6379)
            nodes.append(ModelRedisNode(address: address, runID: random.hexIdentifier(), role: .replica(of: masterAddress)))
        }
        for index in 0..<parameters.sentinelCount {
            var master = MasterConfig(name: "mymaster", address: masterAddress, quorum: parameters.sentinelCount / 2 + 1)
            master.downAfterMilliseconds = parameters.downAfter
            var config = SentinelConfig()
            config.port = 26379
            config.masters = [master]
            sentinels.append(Sentinel(config: config, seed: random.next(), now: now))
            nextTick.append(Instant(milliseconds: random.below(100)))
            links.append([:])
            _ = index
        }
        for index in sentinels.indices { record(index, sentinels[index].start(now: now)) }
    }

    public func node(at address: Address) -> Int? { nodes.firstIndex { $0.address == address } }
}
