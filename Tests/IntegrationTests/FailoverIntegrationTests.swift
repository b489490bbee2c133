import Foundation
import SentinelServer
import XCTest

/// Three Vigils, a master and two replicas on loopback: a failed master is replaced and everybody agrees.
final class FailoverIntegrationTests: XCTestCase {
    var topology: Topology!
    var sentinelPorts: [Int] = []

    override func setUpWithError() throws {
        topology = try Topology(testName: name.filter { $0.isLetter })
    }

    override func tearDown() {
        topology.stopAll()
    }

    func startThreeVigils(binaries: [String]? = nil) throws {
        try topology.startReplicationGroup(replicas: 2)
        sentinelPorts = try (0..<3).map { _ in try LoopbackPorts.next() }
        for (index, port) in sentinelPorts.enumerated() {
            let binary = binaries?[index] ?? Binaries.vigil
            _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 2, downAfter: 1000),
                                           binary: binary)
        }
        for port in sentinelPorts {
            XCTAssertTrue(waitUntil(timeout: 30) {
                let master = redisCLI(port, "SENTINEL", "MASTER", "mymaster")
                return field("num-other-sentinels", in: master) == "2" && field("num-slaves", in: master) == "2"
            }, "sentinel \(port) did not find its peers and replicas")
        }
    }

    func agreedMaster() -> String? {
        let views = sentinelPorts.map { redisCLI($0, "SENTINEL", "get-master-addr-by-name", "mymaster").joined(separator: ":") }
        return Set(views).count == 1 ? views[0] : nil
    }

    func assertFailoverCompletes(repointsReplicas: Bool = true, after fault: () -> Void) {
        let old = "127.0.0.1:\(topology.masterPort)"
        fault()
        XCTAssertTrue(waitUntil(timeout: 60) {
            guard let agreed = self.agreedMaster() else { return false }
            return agreed != old
        }, "the sentinels did not agree on a new master")
        guard let agreed = agreedMaster(), let newPort = Int(agreed.split(separator: ":").last ?? "") else { return }
        XCTAssertTrue(topology.replicaPorts.contains(newPort))
        XCTAssertTrue(waitUntil(timeout: 30) { redisCLI(newPort, "ROLE").first == "master" })
        guard repointsReplicas else { return }
        let other = topology.replicaPorts.first { $0 != newPort }!
        XCTAssertTrue(waitUntil(timeout: 30) {
            let info = redisCLI(other, "INFO", "replication")
            return info.contains("master_port:\(newPort)") && info.contains("master_link_status:up")
        }, "the other replica was not repointed")
        // Mixed quorums are checked for agreement on the promoted master; which sentinel repoints the
        // other replica, and when, is then up to the stock leader's own schedule.
    }

    func testKillNineOfMasterFailsOverAndOldMasterReturnsAsReplica() throws {
        try startThreeVigils()
        let master = topology.processes[0]
        assertFailoverCompletes { master.killHard() }
        guard let agreed = agreedMaster(), let newPort = Int(agreed.split(separator: ":").last ?? "") else { return }
        _ = try topology.startRedis(port: topology.masterPort)
        XCTAssertTrue(waitUntil(timeout: 60) {
            redisCLI(self.topology.masterPort, "INFO", "replication").contains("master_port:\(newPort)")
        }, "the old master was not turned into a replica")
    }

    func testSigstopOfMasterFailsOver() throws {
        try startThreeVigils()
        let master = topology.processes[0]
        assertFailoverCompletes { master.pause() }
        master.resume()
    }

    func testForcedFailoverCommand() throws {
        try startThreeVigils()
        XCTAssertEqual(redisCLI(sentinelPorts[0], "SENTINEL", "FAILOVER", "mymaster"), ["OK"])
        XCTAssertTrue(waitUntil(timeout: 60) {
            guard let agreed = self.agreedMaster() else { return false }
            return agreed != "127.0.0.1:\(self.topology.masterPort)"
        })
    }

    func testMixedQuorumWithStockRedisSentinel() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Binaries.redisSentinel), "redis-sentinel is not installed")
        try startThreeVigils(binaries: [Binaries.vigil, Binaries.vigil, Binaries.redisSentinel])
        let master = topology.processes[0]
        assertFailoverCompletes(repointsReplicas: false) { master.killHard() }
    }

    func testOneVigilWithTwoStockSentinels() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Binaries.redisSentinel), "redis-sentinel is not installed")
        try startThreeVigils(binaries: [Binaries.vigil, Binaries.redisSentinel, Binaries.redisSentinel])
        let master = topology.processes[0]
        assertFailoverCompletes(repointsReplicas: false) { master.killHard() }
    }

    func testVigilRestartedWithAStaleConfigCatchesUp() throws {
        try startThreeVigils()
        // Processes: master, two replicas, then the three sentinels.
        let stale = topology.processes[3]
        let stalePort = sentinelPorts[0]
        stale.stop()
        let live = Array(sentinelPorts.dropFirst())
        topology.processes[0].killHard()
        XCTAssertTrue(waitUntil(timeout: 60) {
            let views = Set(live.map { redisCLI($0, "SENTINEL", "get-master-addr-by-name", "mymaster").joined(separator: ":") })
            return views.count == 1 && views.first != "127.0.0.1:\(self.topology.masterPort)"
        }, "the two live sentinels did not fail over")
        let agreed = redisCLI(live[0], "SENTINEL", "get-master-addr-by-name", "mymaster")
        _ = try topology.startSentinel(port: stalePort, configPath: topology.directory + "/sentinel-\(stalePort).conf")
        XCTAssertTrue(waitUntil(timeout: 30) {
            redisCLI(stalePort, "SENTINEL", "get-master-addr-by-name", "mymaster") == agreed
        }, "the restarted sentinel did not learn the new master from its peers' hellos")
    }
}
