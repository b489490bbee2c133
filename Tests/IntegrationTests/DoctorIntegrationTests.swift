import Foundation
import VigilTestSupport
import XCTest

/// `vigil doctor` against deliberately risky and safe deployments, with its exact findings.
final class DoctorIntegrationTests: XCTestCase {
    var topology: LocalDeployment!

    override func setUpWithError() throws {
        topology = try LocalDeployment(name: name.filter { $0.isLetter })
    }

    override func tearDown() {
        topology.stopAll()
    }

    func doctor(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        try runVigil(["doctor"] + arguments)
    }

    func startRedis(port: Int, replicaOf master: Int? = nil, settings: [String]) throws {
        var arguments = ["--port", String(port), "--bind", "127.0.0.1", "--dir", topology.directory,
                         "--dbfilename", "dump-\(port).rdb", "--appendfilename", "aof-\(port).aof"] + settings
        if let master { arguments += ["--replicaof", "127.0.0.1", String(master)] }
        topology.adopt(try ManagedProcess(name: "redis-\(port)", executable: Binaries.redisServer, arguments: arguments, directory: topology.directory))
        XCTAssertTrue(waitUntil(timeout: 10) { redisCLI(port, "PING").first == "PONG" })
    }

    func testRiskyDeploymentIsExplainedAndFailsTheBound() throws {
        let master = try LoopbackPorts.next()
        let replica = try LoopbackPorts.next()
        try startRedis(port: master, settings: ["--save", "", "--appendonly", "no"])
        try startRedis(port: replica, replicaOf: master, settings: ["--save", "", "--appendonly", "no", "--replica-priority", "0"])
        topology.masterPort = master
        let sentinel = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: sentinel, configPath: topology.writeSentinelConfig(port: sentinel, quorum: 2, downAfter: 30_000))
        XCTAssertTrue(waitUntil(timeout: 15) { field("num-slaves", in: redisCLI(sentinel, "SENTINEL", "MASTER", "mymaster")) == "1" })
        XCTAssertTrue(waitUntil(timeout: 15) {
            field("slave-priority", in: redisCLI(sentinel, "SENTINEL", "REPLICAS", "mymaster")) == "0"
        })
        let result = try doctor(["mymaster", "--sentinels", "127.0.0.1:\(sentinel)", "--max-rpo-seconds", "1"])
        XCTAssertEqual(result.status, 1, result.output + result.errors)
        let expected = [
            "mymaster: master 127.0.0.1:\(master), 1 replica(s), 1 sentinel(s), quorum 2",
            "RPO (acknowledged writes a failover can lose): unbounded",
            "  - [min-replicas-to-write] no min-replicas-to-write: during a partition the old master accepts writes that the failover will discard, for as long as the partition lasts. Set min-replicas-to-write 1 and min-replicas-max-lag 10 (or less) on the master.",
            "  - [appendonly] appendonly no and no save points: if the master and its replicas all restart, every write is lost. Set appendonly yes (appendfsync everysec) on the master and replicas.",
            "RTO (until clients write again): no failover possible",
            "  - [repl-backlog-size] repl-backlog-size 1 MB: a replica that loses its link for more than the backlog holds needs a full resynchronisation before it can be promoted safely. Size repl-backlog-size to a few minutes of write traffic.",
            "  - [replica-priority] no replica can be promoted (priority 0 or replication link down). Give at least one healthy replica a non-zero replica-priority.",
            "  - [quorum] quorum 2 but only 1 sentinel(s): the master can never be agreed down. Lower the quorum or add sentinels.",
            "  - [sentinels] 1 sentinel(s): losing one leaves no majority to elect a leader, so no failover. Run three or more sentinels on separate machines.",
        ]
        for line in expected { XCTAssertTrue(result.output.contains(line), "missing: \(line)\n\(result.output)") }
        XCTAssertEqual(result.errors, "vigil doctor: this deployment cannot fail over; RPO is unbounded, above --max-rpo-seconds 1\n")
    }

    func testSafeDeploymentMeetsItsBounds() throws {
        let master = try LoopbackPorts.next()
        let replicas = [try LoopbackPorts.next(), try LoopbackPorts.next()]
        let durable = ["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--repl-backlog-size", "64mb"]
        try startRedis(port: master, settings: durable + ["--min-replicas-to-write", "1", "--min-replicas-max-lag", "1"])
        for replica in replicas { try startRedis(port: replica, replicaOf: master, settings: durable) }
        topology.masterPort = master
        let sentinels = [try LoopbackPorts.next(), try LoopbackPorts.next(), try LoopbackPorts.next()]
        for port in sentinels {
            _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 2, downAfter: 1_000))
        }
        XCTAssertTrue(waitUntil(timeout: 30) {
            sentinels.allSatisfy {
                let fields = redisCLI($0, "SENTINEL", "MASTER", "mymaster")
                return field("num-slaves", in: fields) == "2" && field("num-other-sentinels", in: fields) == "2"
            }
        })
        XCTAssertTrue(waitUntil(timeout: 30) {
            redisCLI(master, "INFO", "replication").filter { $0.hasPrefix("slave") && $0.contains("state=online") }.count == 2
        })
        let list = sentinels.map { "127.0.0.1:\($0)" }.joined(separator: ",")
        let result = try doctor(["mymaster", "--sentinels", list, "--max-rpo-seconds", "1", "--max-rto-seconds", "2"])
        XCTAssertEqual(result.status, 0, result.output + result.errors + "\(redisCLI(sentinels[0], "SENTINEL", "REPLICAS", "mymaster"))"
            + "\(redisCLI(master, "INFO", "replication"))")
        XCTAssertTrue(result.output.contains("mymaster: master 127.0.0.1:\(master), 2 replica(s), 3 sentinel(s), quorum 2"), result.output)
        XCTAssertTrue(result.output.contains("RPO (acknowledged writes a failover can lose): up to about 1 s of writes"), result.output)
        XCTAssertTrue(result.output.contains("RTO (until clients write again): about 1.2 s"), result.output)
        XCTAssertTrue(result.output.contains("  - [down-after-milliseconds] down-after-milliseconds 1000: a failed master is noticed after 1.0 s, then Vigil fails over in about 0.2 s."), result.output)
        XCTAssertTrue(result.output.contains("  - [sentinels] 3 sentinels share the host 127.0.0.1: one machine failure takes 3 of 3 down."), result.output)
        XCTAssertFalse(result.output.contains("[min-replicas-to-write]"), result.output)
        XCTAssertFalse(result.output.contains("[appendfsync]"), result.output)
        // A bound it cannot meet.
        let strict = try doctor(["mymaster", "--sentinels", list, "--max-rto-seconds", "0.5"])
        XCTAssertEqual(strict.status, 1)
        XCTAssertEqual(strict.errors, "vigil doctor: RTO 1.2 s is above --max-rto-seconds 0.5\n")
        let unreachable = try doctor(["mymaster", "--sentinels", "127.0.0.1:\(try LoopbackPorts.next())"])
        XCTAssertEqual(unreachable.status, 3)
        XCTAssertTrue(unreachable.errors.hasPrefix("vigil doctor: no sentinel described master 'mymaster': 127.0.0.1:"), unreachable.errors)
    }
}
