import SentinelCore
import XCTest

/// Drives one core by hand: a virtual clock and helpers that play the shell's part.
struct CoreHarness {
    var sentinel: Sentinel
    var now = Instant(milliseconds: 1_000_000)
    var effects: [Effect] = []

    init(downAfter: Int64 = 1_000, replicas: [Address] = [], seed: UInt64 = 7) {
        var master = MasterConfig(name: "mymaster", address: Address(host: "127.0.0.1", port: 6379), quorum: 2)
        master.downAfterMilliseconds = downAfter
        master.knownReplicas = replicas
        var config = SentinelConfig()
        config.masters = [master]
        config.myid = String(repeating: "a", count: 40)
        sentinel = Sentinel(config: config, seed: seed, now: now)
    }

    mutating func advance(_ milliseconds: Int64) {
        now = now + milliseconds
    }

    @discardableResult
    mutating func tick() -> [Effect] {
        let produced = sentinel.tick(now: now)
        effects += produced
        return produced
    }

    @discardableResult
    mutating func handle(_ input: Input) -> [Effect] {
        let produced = sentinel.handle(input, now: now)
        effects += produced
        return produced
    }

    mutating func command(_ words: String...) -> CommandOutcome {
        let outcome = sentinel.execute(sentinelCommand: words, now: now)
        effects += outcome.effects
        return outcome
    }

    /// Connects every link the core asked for, answering nothing yet. Returns (id, address, kind).
    mutating func connectRequestedLinks(_ produced: [Effect]) -> [(LinkID, Address, LinkKind)] {
        var connected: [(LinkID, Address, LinkKind)] = []
        for case .connect(let id, let address, let kind) in produced {
            handle(.linkConnected(id, localHost: "127.0.0.1"))
            connected.append((id, address, kind))
        }
        return connected
    }

    func commandLink(to port: Int, in links: [(LinkID, Address, LinkKind)]) -> LinkID? {
        links.first { $0.1.port == port && $0.2 == .command }?.0
    }

    func events(_ type: String) -> [SentinelEvent] {
        effects.compactMap { effect in
            if case .emit(let event) = effect, event.type == type { return event }
            return nil
        }
    }

    /// What a healthy master or peer answers to each request, for tests that play the network.
    static func healthyReply(to purpose: RequestPurpose) -> RedisValue {
        switch purpose {
        case .ping: .status("PONG")
        case .info: .string("role:master\r\n")
        case .publishHello: .integer(1)
        case .subscribe: .array([.string("subscribe"), .string(Sentinel.helloChannel), .integer(1)])
        case .askMasterDown: .array([.integer(0), .string("*"), .integer(0)])
        default: .status("OK")
        }
    }

    static func fixture(_ name: String) throws -> String {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try String(contentsOf: url, encoding: .utf8)
    }
}

extension Reply {
    /// The string pairs of a map reply, for assertions.
    var mapPairs: [(String, String)] {
        guard case .map(let flat) = self else { return [] }
        var pairs: [(String, String)] = []
        var index = 0
        while index + 1 < flat.count {
            if case .bulk(let key) = flat[index], case .bulk(let value) = flat[index + 1] { pairs.append((key, value)) }
            index += 2
        }
        return pairs
    }

    func field(_ name: String) -> String? { mapPairs.first { $0.0 == name }?.1 }
}
