import Foundation
import VigilTestSupport
import XCTest

/// Three Vigils, a master and two replicas on loopback: a failed master is replaced and everybody agrees.
final class FailoverIntegrationTests: XCTestCase {
    var topology: LocalDeployment!
    var sentinelPorts: [Int] = []

    override func setUpWithError() throws {
        topology = try LocalDeployment(name: name.filter { $0.isLetter })
    }

    override func tearDown() {
        topology.stopAll()
    }

    func startThreeVigils(binaries: [String]? = nil, downAfter: Int = 1000) throws {
        try topology.startReplicationGroup(replicas: 2)
        sentinelPorts = try (0..<3).map { _ in try LoopbackPorts.next() }
        for (index, port) in sentinelPorts.enumerated() {
            let binary = binaries?[index] ?? Binaries.vigil
            _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 2, downAfter: downAfter),
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

    /// Down-after 100 ms: the election is over a few ms after the crash, before any INFO of the
    /// replicas since; the leader must wait for one rather than abort with
    /// -failover-abort-no-good-slave and leave the next attempt to twice the failover timeout (20 s).
    /// Three crashes in a row, each failed over well inside that.
    func testShortDownAfterFailsOverInTheFirstAttempt() throws {
        try startThreeVigils(downAfter: 100)
        for round in 1...3 {
            let old = agreedMaster() ?? ""
            guard let oldPort = Int(old.split(separator: ":").last ?? ""),
                let process = topology.processes.last(where: { $0.name == "redis-\(oldPort)" })
            else { return XCTFail("round \(round): no agreed master") }
            // Redis's freshness rule for the replica to promote is 5 s: the crash comes when every
            // Vigil's INFO of every replica is older than that. At the usual 10 s period the six INFO
            // timers keep their phases, which need not ever leave all six ages above 5.5 s at once;
            // a one-minute period (SENTINEL DEBUG, as Redis's own tests use) lets every age pass it.
            for port in sentinelPorts {
                XCTAssertEqual(redisCLI(port, "SENTINEL", "DEBUG", "info-period", "60000"), ["OK"])
            }
            XCTAssertTrue(waitUntil(timeout: 30) {
                self.sentinelPorts.allSatisfy { port in
                    let replicas = redisCLI(port, "SENTINEL", "REPLICAS", "mymaster")
                    let ages = zip(replicas, replicas.dropFirst()).filter { $0.0 == "info-refresh" }.compactMap { Int($0.1) }
                    return ages.count == 2 && ages.allSatisfy { $0 > 5_500 }
                }
            }, "round \(round): the replicas' INFO never grew older than 5.5 s")
            process.killHard()
            XCTAssertTrue(waitUntil(timeout: 8) { (self.agreedMaster() ?? old) != old },
                          "round \(round): no failover within 8 s of the crash (a second attempt comes only after 20 s)")
            guard let agreed = agreedMaster(), let newPort = Int(agreed.split(separator: ":").last ?? "") else { return }
            for port in sentinelPorts {
                XCTAssertEqual(redisCLI(port, "SENTINEL", "DEBUG", "info-period", "10000"), ["OK"])
            }
            // The old master returns and is made a replica of the new one before the next crash.
            _ = try topology.startRedis(port: oldPort)
            XCTAssertTrue(waitUntil(timeout: 30) {
                redisCLI(oldPort, "INFO", "replication").contains("master_port:\(newPort)")
                    && self.sentinelPorts.allSatisfy { field("num-slaves", in: redisCLI($0, "SENTINEL", "MASTER", "mymaster")) == "2" }
            }, "round \(round): the old master did not come back as a replica")
        }
    }

    /// Redis asks a newly found replica for INFO at once: a forced failover sent right after the
    /// replicas are discovered is accepted and completes.
    func testForcedFailoverRightAfterDiscoveryIsAccepted() throws {
        try topology.startReplicationGroup(replicas: 2)
        let port = try LoopbackPorts.next()
        sentinelPorts = [port]
        _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 1))
        XCTAssertTrue(waitUntil(timeout: 30) {
            field("num-slaves", in: redisCLI(port, "SENTINEL", "MASTER", "mymaster")) == "2"
        })
        XCTAssertEqual(redisCLI(port, "SENTINEL", "FAILOVER", "mymaster"), ["OK"])
        XCTAssertTrue(waitUntil(timeout: 30) { (self.agreedMaster() ?? "") != "127.0.0.1:\(self.topology.masterPort)" })
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

    /// The master given as `localhost`, with resolve-hostnames and announce-hostnames on (as Redis's
    /// own test 08 does): the sentinels find each other, answer by name, and fail over by name.
    func testVigilsMonitoringLocalhostAnnounceItAndFailOverByName() throws {
        topology.masterPort = try LoopbackPorts.next()
        let master = try topology.startRedis(port: topology.masterPort)
        // The replica reports itself by name in the master's INFO, so the sentinels know it by name.
        let replicaPort = try LoopbackPorts.next()
        _ = try topology.startRedis(port: replicaPort, replicaOf: topology.masterPort, extraArguments: ["--replica-announce-ip", "localhost"])
        XCTAssertTrue(waitUntil(timeout: 15) {
            redisCLI(self.topology.masterPort, "INFO", "replication").contains { $0.hasPrefix("connected_slaves:1") }
        })
        sentinelPorts = try (0..<3).map { _ in try LoopbackPorts.next() }
        let hostnames = "sentinel resolve-hostnames yes\nsentinel announce-hostnames yes\n"
        for port in sentinelPorts {
            _ = try topology.startSentinel(
                port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 2, masterHost: "localhost", header: hostnames))
        }
        for port in sentinelPorts {
            XCTAssertTrue(waitUntil(timeout: 30) {
                let reply = redisCLI(port, "SENTINEL", "MASTER", "mymaster")
                return field("num-other-sentinels", in: reply) == "2" && field("num-slaves", in: reply) == "1"
            }, "sentinel \(port) did not find its peers and the replica: \(redisCLI(port, "SENTINEL", "MASTER", "mymaster"))")
            XCTAssertEqual(redisCLI(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"), ["localhost", String(topology.masterPort)])
            XCTAssertEqual(field("ip", in: redisCLI(port, "SENTINEL", "MASTER", "mymaster")), "localhost")
            XCTAssertEqual(field("name", in: redisCLI(port, "SENTINEL", "REPLICAS", "mymaster")), "localhost:\(replicaPort)")
        }

        master.killHard()
        let promoted = ["localhost", String(replicaPort)]
        XCTAssertTrue(waitUntil(timeout: 60) {
            self.sentinelPorts.allSatisfy { redisCLI($0, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster") == promoted }
        }, "the sentinels did not agree on the replica by name: \(self.sentinelPorts.map { redisCLI($0, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster") })")
        XCTAssertTrue(waitUntil(timeout: 30) { redisCLI(replicaPort, "ROLE").first == "master" })
        let switched = "+switch-master mymaster localhost \(topology.masterPort) localhost \(replicaPort)"
        let sentinels = topology.processes.suffix(3)
        XCTAssertTrue(waitUntil(timeout: 10) { sentinels.allSatisfy { $0.output.contains(switched) } },
                      sentinels.map(\.output).joined(separator: "\n----\n"))
        // Without announce-hostnames the same master is shown by the IP it resolves to, as Redis does.
        XCTAssertEqual(redisCLI(sentinelPorts[0], "SENTINEL", "CONFIG", "SET", "announce-hostnames", "no"), ["OK"])
        XCTAssertEqual(redisCLI(sentinelPorts[0], "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"), ["127.0.0.1", String(replicaPort)])
        XCTAssertEqual(redisCLI(sentinelPorts[0], "SENTINEL", "MONITOR", "other", "no-such-host.invalid", "6379", "1").first,
                       "ERR Invalid IP address or hostname specified")
        for port in sentinelPorts.dropFirst() {
            let config = (try? String(contentsOfFile: topology.directory + "/sentinel-\(port).conf", encoding: .utf8)) ?? ""
            XCTAssertTrue(config.contains("sentinel monitor mymaster localhost \(replicaPort) 2"), config)
        }
    }
}
