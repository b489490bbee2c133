import Foundation
import VigilTestSupport
import XCTest

final class LifecycleIntegrationTests: XCTestCase {
    var topology: LocalDeployment!

    override func setUpWithError() throws {
        topology = try LocalDeployment(name: name.filter { $0.isLetter })
    }

    override func tearDown() {
        topology.stopAll()
    }

    func testSigtermAndShutdownExitCleanlyAfterFlushingTheConfig() throws {
        try topology.startReplicationGroup(replicas: 0)
        let port = try LoopbackPorts.next()
        let path = topology.writeSentinelConfig(port: port, quorum: 2)
        let first = try topology.startSentinel(port: port, configPath: path)
        first.signal(SIGTERM)
        XCTAssertTrue(first.waitForExit(timeout: 5))
        XCTAssertEqual(first.process.terminationStatus, 0)
        XCTAssertTrue(try String(contentsOfFile: path, encoding: .utf8).contains("sentinel myid "))
        let second = try topology.startSentinel(port: port, configPath: path)
        _ = redisCLI(port, "SHUTDOWN")
        XCTAssertTrue(second.waitForExit(timeout: 5))
        XCTAssertEqual(second.process.terminationStatus, 0)
    }

    func testAuthPassReachesAPasswordProtectedMaster() throws {
        let masterPort = try LoopbackPorts.next()
        topology.masterPort = masterPort
        let master = try ManagedProcess(
            name: "master", executable: Binaries.redisServer,
            arguments: ["--port", String(masterPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", "pw"],
            directory: topology.directory)
        topology.adopt(master)
        XCTAssertTrue(waitUntil(timeout: 10) { redisCLI(masterPort, "PING").first?.contains("NOAUTH") == true })
        let withoutPassword = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: withoutPassword, configPath: topology.writeSentinelConfig(port: withoutPassword, quorum: 2))
        let withPassword = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: withPassword, configPath: topology.writeSentinelConfig(
            port: withPassword, quorum: 2, extra: "sentinel auth-pass mymaster pw\n"))
        XCTAssertTrue(waitUntil(timeout: 15) {
            field("role-reported", in: redisCLI(withPassword, "SENTINEL", "MASTER", "mymaster")) == "master"
                && field("flags", in: redisCLI(withPassword, "SENTINEL", "MASTER", "mymaster")) == "master"
        })
        XCTAssertTrue(waitUntil(timeout: 15) {
            field("flags", in: redisCLI(withoutPassword, "SENTINEL", "MASTER", "mymaster"))?.contains("disconnected") == true
        }, "without auth-pass the failed SUBSCRIBE drops the pub/sub link, as in Redis")
    }

    func testRequirepassProtectsVigilItself() throws {
        try topology.startReplicationGroup(replicas: 0)
        let port = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 2, extra: "requirepass hunter2\n"))
        XCTAssertEqual(redisCLI(port, "SENTINEL", "MASTERS").first, "NOAUTH Authentication required.")
        XCTAssertEqual(redisCLIArguments(port, ["-a", "hunter2", "--no-auth-warning", "SENTINEL", "get-master-addr-by-name", "mymaster"]),
                       ["127.0.0.1", String(topology.masterPort)])
    }

    func testPasswordProtectedVigilsTalkToEachOtherWithSentinelPass() throws {
        try topology.startReplicationGroup(replicas: 1)
        let ports = [try LoopbackPorts.next(), try LoopbackPorts.next()]
        for port in ports {
            let extra = "requirepass hunter2\nsentinel sentinel-pass hunter2\n"
            _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 2, extra: extra))
        }
        func ask(_ port: Int, _ words: String...) -> [String] {
            redisCLIArguments(port, ["-a", "hunter2", "--no-auth-warning"] + words)
        }
        XCTAssertTrue(waitUntil(timeout: 20) {
            ports.allSatisfy { field("num-other-sentinels", in: ask($0, "SENTINEL", "MASTER", "mymaster")) == "1" }
        })
        // Agreeing that the master is down and electing a leader need authenticated peer links.
        topology.processes[0].killHard()
        XCTAssertTrue(waitUntil(timeout: 30) {
            ports.allSatisfy { ask($0, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster") == ["127.0.0.1", String(self.topology.replicaPorts[0])] }
        })
    }
}
