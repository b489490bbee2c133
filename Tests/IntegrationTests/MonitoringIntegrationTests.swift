import Foundation
import VigilTestSupport
import XCTest

/// Vigil against real redis-server processes on loopback.
final class MonitoringIntegrationTests: XCTestCase {
    var topology: LocalDeployment!

    override func setUpWithError() throws {
        topology = try LocalDeployment(name: name.filter { $0.isLetter })
    }

    override func tearDown() {
        topology.stopAll()
    }

    func testDiscoversReplicaAndAnswersMasterAddress() throws {
        try topology.startReplicationGroup(replicas: 1)
        let port = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 2))
        XCTAssertEqual(redisCLI(port, "SENTINEL", "get-master-addr-by-name", "mymaster"), ["127.0.0.1", String(topology.masterPort)])
        XCTAssertTrue(waitUntil(timeout: 15) {
            field("num-slaves", in: redisCLI(port, "SENTINEL", "MASTER", "mymaster")) == "1"
        })
        let replicas = redisCLI(port, "SENTINEL", "REPLICAS", "mymaster")
        XCTAssertEqual(field("name", in: replicas), "127.0.0.1:\(topology.replicaPorts[0])")
        XCTAssertTrue(waitUntil(timeout: 15) {
            field("master-link-status", in: redisCLI(port, "SENTINEL", "REPLICAS", "mymaster")) == "ok"
        })
        XCTAssertEqual(redisCLI(port, "SENTINEL", "get-master-addr-by-name", "nosuch"), [""])
    }

    /// A real redis-server accepts INFO with the two sections Vigil asks for: the cached INFO holds
    /// them and no other section. (Were they refused, Vigil would fall back to a whole INFO, and the
    /// cache would hold every section.)
    func testRealRedisAnswersTheSectionedInfoThatIsCached() throws {
        try topology.startReplicationGroup(replicas: 1)
        let port = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 2))
        var cached: [String] = []
        XCTAssertTrue(waitUntil(timeout: 15) {
            cached = redisCLI(port, "SENTINEL", "INFO-CACHE", "mymaster")
            return cached.contains { $0.contains("# Replication") } && cached.contains { $0.contains("role:slave") }
        }, "the master's and the replica's INFO are cached: \(cached)")
        let text = cached.joined(separator: "\n")
        XCTAssertTrue(text.contains("# Server") && text.contains("run_id:"), text)
        XCTAssertFalse(text.contains("# Memory") || text.contains("# Keyspace") || text.contains("# Stats"), text)
    }

    func testMasterIsSubjectivelyDownWithinDownAfterPlusOneSecondOfSigstop() throws {
        try topology.startReplicationGroup(replicas: 1)
        let master = topology.processes[0]
        let port = try LoopbackPorts.next()
        // Quorum 2 with a single sentinel: SDOWN only, no failover.
        _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 2, downAfter: 1000))
        XCTAssertTrue(waitUntil(timeout: 10) { field("role-reported", in: redisCLI(port, "SENTINEL", "MASTER", "mymaster")) == "master" })
        Thread.sleep(forTimeInterval: 1.2)
        let stoppedAt = Date()
        master.pause()
        let detected = waitUntil(timeout: 10, interval: 0.02) {
            field("flags", in: redisCLI(port, "SENTINEL", "MASTER", "mymaster"))?.contains("s_down") == true
        }
        let elapsed = Date().timeIntervalSince(stoppedAt)
        XCTAssertTrue(detected)
        XCTAssertLessThan(elapsed, 2.0, "s_down must come within down-after + 1 s")
        // Down-after counts from the master's last reply, which may precede the stop by up to its ping
        // interval (a quarter of down-after).
        XCTAssertGreaterThanOrEqual(elapsed, 0.7, "not before down-after from the last reply")
        master.resume()
        XCTAssertTrue(waitUntil(timeout: 10) {
            field("flags", in: redisCLI(port, "SENTINEL", "MASTER", "mymaster")) == "master"
        })
    }

    func testSubscriberReceivesSdownEvent() throws {
        try topology.startReplicationGroup(replicas: 0)
        let port = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 2, downAfter: 500))
        let subscriber = try ManagedProcess(
            name: "subscriber", executable: Binaries.redisCLI, arguments: ["-p", String(port), "--raw", "PSUBSCRIBE", "*sdown"],
            directory: topology.directory)
        topology.adopt(subscriber)
        Thread.sleep(forTimeInterval: 0.5)
        topology.processes[0].pause()
        XCTAssertTrue(waitUntil(timeout: 10) { subscriber.output.contains("master mymaster 127.0.0.1 \(self.topology.masterPort)") },
                      subscriber.output)
        XCTAssertTrue(subscriber.output.contains("+sdown"))
        topology.processes[0].resume()
    }

    /// Redis propagates a master's PUBLISH to its replicas, so Vigil sends a replica that replicates
    /// from its master, and whose channel shows the relay, no hello of its own: a subscriber on the
    /// replica reads Vigil's hellos all the same, and the replica's MONITOR shows PUBLISH only as
    /// the master's replication stream carries it. A replica told to follow another node is sent
    /// hellos directly again.
    func testAReplicaHearsHellosThroughItsMasterAndIsSentThemOnlyWhenItStopsReplicating() throws {
        try topology.startReplicationGroup(replicas: 1)
        let port = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 2))
        let replicaPort = topology.replicaPorts[0]
        // The replica's INFO has been read once its link shows in SENTINEL REPLICAS.
        XCTAssertTrue(waitUntil(timeout: 20) {
            field("master-link-status", in: redisCLI(port, "SENTINEL", "REPLICAS", "mymaster")) == "ok"
        })
        let subscriber = try ManagedProcess(
            name: "subscriber", executable: Binaries.redisCLI,
            arguments: ["-p", String(replicaPort), "--raw", "SUBSCRIBE", "__sentinel__:hello"], directory: topology.directory)
        topology.adopt(subscriber)
        let monitor = try ManagedProcess(
            name: "monitor", executable: Binaries.redisCLI, arguments: ["-p", String(replicaPort), "MONITOR"], directory: topology.directory)
        topology.adopt(monitor)
        // MONITOR names each command's client; the master's replication stream is the master's address.
        let fromMaster = "[0 127.0.0.1:\(topology.masterPort)]"
        func publishes() -> (fromMaster: Int, direct: Int) {
            let lines = monitor.output.components(separatedBy: "\n").filter { $0.lowercased().contains("\"publish\"") }
            let relayed = lines.filter { $0.contains(fromMaster) }.count
            return (relayed, lines.count - relayed)
        }
        let hello = "127.0.0.1,\(port),"
        let aboutMaster = ",mymaster,127.0.0.1,\(topology.masterPort),"
        XCTAssertTrue(waitUntil(timeout: 10) {
            subscriber.output.components(separatedBy: "\n").filter { $0.hasPrefix(hello) && $0.contains(aboutMaster) }.count >= 2
                && publishes().fromMaster >= 2
        }, "Vigil's hellos reach the replica's channel through the master: \(subscriber.output)\n\(monitor.output)")
        // Until Vigil's pub/sub link on the replica has heard one relayed hello, it publishes there
        // itself (the replica's link may have come up a moment ago); from then on it does not.
        let directBeforeRelaysWereHeard = publishes().direct
        XCTAssertLessThanOrEqual(directBeforeRelaysWereHeard, 2, "at most the hellos before the first relay: \(monitor.output)")
        let relayedSoFar = publishes().fromMaster
        XCTAssertTrue(waitUntil(timeout: 15) { publishes().fromMaster >= relayedSoFar + 3 },
                      "the master keeps relaying: \(monitor.output)")
        XCTAssertEqual(publishes().direct, directBeforeRelaysWereHeard,
                       "no PUBLISH was sent to the replica itself while it relays: \(monitor.output)")

        // Following a node that does not exist, the replica hears nothing through the master; Vigil
        // sees it at the replica's next INFO (every 10 s) and publishes to it directly.
        let nowhere = try LoopbackPorts.next()
        XCTAssertEqual(redisCLI(replicaPort, "REPLICAOF", "127.0.0.1", String(nowhere)), ["OK"])
        XCTAssertTrue(waitUntil(timeout: 20) { publishes().direct > 0 }, "Vigil publishes to the replica again: \(monitor.output)")
    }

    /// At rest Vigil's INFO and hellos travel to a master with a ping: one write, and one read on
    /// Redis's side, so the master's MONITOR shows each within a few milliseconds of a PING from the
    /// same connection, where pings go a second apart.
    func testInfoAndHellosReachTheMasterInTheSameReadAsAPing() throws {
        try topology.startReplicationGroup(replicas: 1)
        let port = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port))
        // Past the start: the first INFO goes as the link connects, before the pings have a pace.
        XCTAssertTrue(waitUntil(timeout: 20) { field("num-slaves", in: redisCLI(port, "SENTINEL", "MASTER", "mymaster")) == "1" })
        let monitor = try ManagedProcess(
            name: "monitor", executable: Binaries.redisCLI, arguments: ["-p", String(topology.masterPort), "MONITOR"],
            directory: topology.directory)
        topology.adopt(monitor)
        // MONITOR's lines: `<seconds>.<microseconds> [<db> <client address>] "<COMMAND>" ...`.
        struct Seen { let at: Double; let client: String; let command: String }
        func seen() -> [Seen] {
            monitor.output.components(separatedBy: "\n").compactMap { line in
                let parts = line.split(separator: " ", maxSplits: 3)
                guard parts.count == 4, let at = Double(parts[0]), parts[2].hasSuffix("]") else { return nil }
                let command = parts[3].split(separator: " ").first.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")).uppercased() }
                return Seen(at: at, client: String(parts[2].dropLast()), command: command ?? "")
            }
        }
        // Vigil's command link is the connection that sends INFO; two INFOs (every 10 s) and six
        // hellos (every 2 s) from it.
        func fromCommandLink() -> [Seen] {
            let all = seen()
            guard let link = all.first(where: { $0.command == "INFO" })?.client else { return [] }
            return all.filter { $0.client == link }
        }
        XCTAssertTrue(waitUntil(timeout: 40) {
            let commands = fromCommandLink()
            return commands.filter { $0.command == "INFO" }.count >= 2 && commands.filter { $0.command == "PUBLISH" }.count >= 6
        }, monitor.output)
        let commands = fromCommandLink()
        let pings = commands.filter { $0.command == "PING" }.map(\.at)
        XCTAssertGreaterThanOrEqual(pings.count, 10, monitor.output)
        for sent in commands where sent.command == "INFO" || sent.command == "PUBLISH" {
            let nearest = pings.map { abs($0 - sent.at) }.min() ?? .infinity
            XCTAssertLessThan(nearest, 0.010, "\(sent.command) at \(sent.at) went without a ping:\n\(monitor.output)")
        }
    }

    func testSetAndFlushconfigRewriteInPlaceKeepingOperatorLines() throws {
        try topology.startReplicationGroup(replicas: 1)
        let port = try LoopbackPorts.next()
        let header = """
            # Operator header line one
            # line two: do not touch
            sentinel parallel-syncs mymaster 2
            sentinel failover-timeout mymaster 60000

            """
        let path = topology.directory + "/operator.conf"
        let body = header + """
            sentinel monitor mymaster 127.0.0.1 \(topology.masterPort) 2
            port \(port)
            bind 127.0.0.1

            """
        FileManager.default.createFile(atPath: path, contents: Data(body.utf8))
        _ = try topology.startSentinel(port: port, configPath: path)
        XCTAssertEqual(redisCLI(port, "SENTINEL", "SET", "mymaster", "down-after-milliseconds", "2000"), ["OK"])
        XCTAssertEqual(redisCLI(port, "SENTINEL", "FLUSHCONFIG"), ["OK"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix(body), "the operator's lines stay byte for byte:\n\(text)")
        XCTAssertTrue(text.contains("sentinel down-after-milliseconds mymaster 2000\n"))
        XCTAssertTrue(text.contains("sentinel myid "))
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: topology.directory)) ?? []
        XCTAssertFalse(leftovers.contains { $0.contains(".tmp-") }, "no temporary file is left behind")
    }

    func testRestartAfterKillKeepsMyIDAndKnownReplicas() throws {
        try topology.startReplicationGroup(replicas: 1)
        let port = try LoopbackPorts.next()
        let path = topology.writeSentinelConfig(port: port, quorum: 2)
        let first = try topology.startSentinel(port: port, configPath: path)
        let myID = redisCLI(port, "SENTINEL", "MYID")
        XCTAssertEqual(myID.first?.count, 40)
        XCTAssertTrue(waitUntil(timeout: 15) { field("num-slaves", in: redisCLI(port, "SENTINEL", "MASTER", "mymaster")) == "1" })
        first.killHard()
        _ = try topology.startSentinel(port: port, configPath: path)
        XCTAssertEqual(redisCLI(port, "SENTINEL", "MYID"), myID)
        XCTAssertEqual(field("num-slaves", in: redisCLI(port, "SENTINEL", "MASTER", "mymaster")), "1",
                       "known replicas come back from the file, before any INFO")
    }

    /// Redis chdir()s to `dir` before it applies sentinel lines, so a script path relative to `dir`
    /// that SENTINEL SET accepted (and the rewrite kept) is still found after a restart.
    func testRelativeNotificationScriptSetAtRunTimeStillRunsAfterRestart() throws {
        try topology.startReplicationGroup(replicas: 0)
        let port = try LoopbackPorts.next()
        let dataDirectory = topology.directory + "/data"
        let scriptDirectory = topology.directory + "/scripts"
        for path in [dataDirectory, scriptDirectory] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        let record = topology.directory + "/notified.txt"
        let script = scriptDirectory + "/notify.sh"
        FileManager.default.createFile(atPath: script, contents: Data("#!/bin/sh\necho \"$@\" >> '\(record)'\n".utf8),
                                       attributes: [.posixPermissions: 0o755])
        // Started from the topology directory, where the relative path leads nowhere.
        let path = topology.writeSentinelConfig(port: port, header: "dir \(dataDirectory)\n", extra: "sentinel deny-scripts-reconfig no\n")
        let first = try topology.startSentinel(port: port, configPath: path)
        XCTAssertEqual(redisCLI(port, "SENTINEL", "SET", "mymaster", "notification-script", "../scripts/notify.sh"), ["OK"])
        first.stop()
        let second = try topology.startSentinel(port: port, configPath: path)
        XCTAssertTrue(second.isRunning, second.output)
        let expected = "+monitor master mymaster 127.0.0.1 \(topology.masterPort) quorum 1"
        XCTAssertTrue(waitUntil(timeout: 10) {
            ((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").contains(expected)
        }, "the script did not run on +monitor after the restart: \(second.output)")
    }

    func testBrokenConfigExitsWithRedisFatalReport() throws {
        let path = topology.directory + "/bad.conf"
        FileManager.default.createFile(atPath: path, contents: Data("port 1\nsentinel monitor mymaster 127.0.0.1 6379 0\n".utf8))
        let bad = try ManagedProcess(name: "bad", executable: Binaries.vigil, arguments: [path], directory: topology.directory)
        XCTAssertTrue(bad.waitForExit(timeout: 10))
        XCTAssertEqual(bad.process.terminationStatus, 1)
        XCTAssertTrue(bad.output.contains("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***"), bad.output)
        XCTAssertTrue(bad.output.contains("Reading the configuration file, at line 2"))
        XCTAssertTrue(bad.output.contains(">>> 'sentinel monitor mymaster 127.0.0.1 6379 0'"))
        XCTAssertTrue(bad.output.contains("Quorum must be 1 or greater."))

        let scriptPath = topology.directory + "/script.conf"
        FileManager.default.createFile(atPath: scriptPath, contents: Data(
            "port 1\nsentinel monitor m 127.0.0.1 6379 1\nsentinel notification-script m /nonexistent/notify.sh\n".utf8))
        let script = try ManagedProcess(name: "script", executable: Binaries.vigil, arguments: [scriptPath], directory: topology.directory)
        XCTAssertTrue(script.waitForExit(timeout: 10))
        XCTAssertEqual(script.process.terminationStatus, 1)
        XCTAssertTrue(script.output.contains("at line 3"), script.output)
        XCTAssertTrue(script.output.contains("Notification script seems non existing or non executable."), script.output)

        let missing = try ManagedProcess(name: "missing", executable: Binaries.vigil, arguments: [], directory: topology.directory)
        XCTAssertTrue(missing.waitForExit(timeout: 10))
        XCTAssertEqual(missing.process.terminationStatus, 1)
        XCTAssertTrue(missing.output.contains("Sentinel needs config file on disk to save state. Exiting..."), missing.output)
    }
}

