import Foundation
import VigilTestSupport
import XCTest

/// Sentinels that watch several masters: every sentinel must know its peers under every master (one peer,
/// one entry per master, at one address), and each master must fail over on its own.
final class SeveralMastersIntegrationTests: XCTestCase {
    var topology: LocalDeployment!
    var sentinels: [(port: Int, process: ManagedProcess)] = []

    override func setUpWithError() throws {
        topology = try LocalDeployment(name: name.filter { $0.isLetter })
    }

    override func tearDown() {
        topology.stopAll()
    }

    func names(_ count: Int) -> [String] { (1...count).map { String(format: "m%02d", $0) } }

    func startSentinels(_ binaries: [String], downAfter: Int) throws {
        for binary in binaries {
            let port = try LoopbackPorts.next()
            let config = topology.writeSentinelConfig(port: port, quorum: 2, downAfter: downAfter)
            sentinels.append((port, try topology.startSentinel(port: port, configPath: config, binary: binary)))
        }
    }

    /// Log lines that say a peer moved; no peer moves in these tests, so there must be none.
    func addressSwitches() -> [String] {
        sentinels.flatMap { sentinel in
            sentinel.process.output.split(separator: "\n").filter { $0.contains("+sentinel-address-switch") }.map { "\(sentinel.port): \($0)" }
        }
    }

    func assertNoAddressSwitch() {
        let switches = addressSwitches()
        XCTAssertTrue(switches.isEmpty, "\(switches.count) +sentinel-address-switch, first: \(switches.prefix(3).joined(separator: " | "))")
    }

    /// Every sentinel lists every master with all other sentinels and its replicas.
    func assertConverged(timeout: TimeInterval) -> Bool {
        var lagging: [String] = []
        let converged = waitUntil(timeout: timeout, interval: 0.5) {
            lagging = self.sentinels.flatMap { sentinel in
                let listed = records(in: redisCLI(sentinel.port, "SENTINEL", "MASTERS"))
                return self.topology.groups.compactMap { group -> String? in
                    let peers = field("num-other-sentinels", in: listed[group.name] ?? []) ?? "?"
                    let replicas = field("num-slaves", in: listed[group.name] ?? []) ?? "?"
                    let expected = (String(self.sentinels.count - 1), String(group.replicaPorts.count))
                    return (peers, replicas) == expected ? nil : "\(sentinel.port) \(group.name): \(peers) peers, \(replicas) replicas"
                }
            }
            return lagging.isEmpty
        }
        let switches = addressSwitches()
        XCTAssertTrue(converged, "not converged after \(Int(timeout)) s (\(lagging.count) lagging: \(lagging.prefix(8).joined(separator: "; "))); "
                      + "\(switches.count) +sentinel-address-switch, first: \(switches.prefix(3).joined(separator: " | "))")
        return converged
    }

    /// The master of each group named is its first replica at every sentinel, and that node is a master.
    func assertSwitched(_ groups: [ReplicationGroup], timeout: TimeInterval) {
        var pending: [String] = []
        let switched = waitUntil(timeout: timeout, interval: 1) {
            pending = groups.compactMap { group in
                let promoted = group.replicaPorts[0]
                let views = self.sentinels.map { redisCLI($0.port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", group.name) }
                let role = redisCLI(promoted, "ROLE").first ?? "?"
                guard views.allSatisfy({ $0 == ["127.0.0.1", String(promoted)] }), role == "master" else {
                    return "\(group.name) (replica \(promoted) is \(role)): " + views.map { $0.joined(separator: ":") }.joined(separator: ", ")
                }
                return nil
            }
            return pending.isEmpty
        }
        XCTAssertTrue(switched, "not switched after \(Int(timeout)) s: \(pending.joined(separator: "; "))\n" + failoverEvents(pending))
    }

    /// The failover events each sentinel logged for the first masters still pending, to tell where they stopped.
    func failoverEvents(_ pending: [String]) -> String {
        let names = pending.prefix(3).compactMap { $0.split(separator: " ").first.map { " \($0) " } }
        let kinds = ["sdown", "odown", "try-failover", "vote-for-leader", "elected-leader", "failover-state", "failover-abort",
                     "switch-master", "failover-end", "new-epoch"]
        return sentinels.map { sentinel in
            let lines = sentinel.process.output.split(separator: "\n").filter { line in
                line.contains("tilt") || (names.contains { line.contains($0) } && kinds.contains { line.contains($0) })
            }
            return "sentinel \(sentinel.port):\n" + lines.suffix(30).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    func testTwoMastersThreeVigilsSeeEachOtherUnderBoth() throws {
        try topology.startReplicationGroups(names: names(2))
        try startSentinels(Array(repeating: Binaries.vigil, count: 3), downAfter: 1000)
        _ = assertConverged(timeout: 30)
        assertNoAddressSwitch()
        // One link per peer, shared by both masters, as redis-sentinel shares it.
        for sentinel in sentinels {
            for group in topology.groups {
                let peers = records(in: redisCLI(sentinel.port, "SENTINEL", "SENTINELS", group.name))
                XCTAssertEqual(peers.values.map { field("link-refcount", in: $0) }, [String?](repeating: "2", count: 2),
                               "\(sentinel.port) \(group.name)")
            }
        }
    }

    func testTwentyMastersConvergeAndAllFailOverAfterAHostLoss() throws {
        try topology.startReplicationGroups(names: names(20))
        try startSentinels(Array(repeating: Binaries.vigil, count: 3), downAfter: 2000)
        guard assertConverged(timeout: 30) else { return }
        // The host of every master goes: all twenty die together.
        for group in topology.groups { group.master.signal(SIGKILL) }
        for group in topology.groups { XCTAssertTrue(group.master.waitForExit(timeout: 5), "\(group.name) did not die") }
        assertSwitched(topology.groups, timeout: 60)
        assertNoAddressSwitch()
    }

    /// Masters die one at a time so that each failover is attributed to its own kill, and the masters
    /// not yet killed are checked to stay where they are while a neighbour fails over (simultaneous
    /// failures are the twenty-master test's job).
    func testTwoVigilsAndRedisSentinelFailOverThreeMastersInTurn() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Binaries.redisSentinel), "redis-sentinel is not installed")
        try topology.startReplicationGroups(names: names(3))
        try startSentinels([Binaries.vigil, Binaries.vigil, Binaries.redisSentinel], downAfter: 1000)
        guard assertConverged(timeout: 30) else { return }
        for (index, group) in topology.groups.enumerated() {
            group.master.killHard()
            assertSwitched([group], timeout: 60)
            for untouched in topology.groups.dropFirst(index + 1) {
                for sentinel in sentinels {
                    XCTAssertEqual(redisCLI(sentinel.port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", untouched.name),
                                   ["127.0.0.1", String(untouched.masterPort)], "\(untouched.name) moved at \(sentinel.port)")
                }
            }
        }
        assertNoAddressSwitch()
    }
}
