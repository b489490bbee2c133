import Foundation
import SentinelServer
import XCTest

/// Paths of the binaries under test.
enum Binaries {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static var vigil: String { ProcessInfo.processInfo.environment["VIGIL_BINARY"] ?? packageRoot + "/.build/debug/vigil" }
    static let redisServer = "/usr/bin/redis-server"
    static let redisSentinel = "/usr/bin/redis-sentinel"
    static let redisCLI = "/usr/bin/redis-cli"
}

/// Runs redis-cli and returns its output lines (raw mode).
func redisCLI(_ port: Int, _ arguments: String...) -> [String] {
    redisCLIArguments(port, arguments)
}

func redisCLIArguments(_ port: Int, _ arguments: [String]) -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Binaries.redisCLI)
    process.arguments = ["-h", "127.0.0.1", "-p", String(port), "--raw"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    guard (try? process.run()) != nil else { return [] }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    // "\r\n" is one Character in Swift; split on both line ends.
    var lines = String(decoding: data, as: UTF8.self)
        .split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
    if lines.last == "" { lines.removeLast() }
    return lines
}

/// A field of a flat key/value reply such as SENTINEL MASTER.
func field(_ name: String, in lines: [String]) -> String? {
    var index = 0
    while index + 1 < lines.count {
        if lines[index] == name { return lines[index + 1] }
        index += 2
    }
    return nil
}

/// The entries of a reply that lists instances (SENTINEL MASTERS, REPLICAS, SENTINELS), by their `name` field.
func records(in lines: [String]) -> [String: [String]] {
    var result: [String: [String]] = [:]
    var current: [String] = []
    var index = 0
    while index + 1 < lines.count {
        if lines[index] == "name", let name = field("name", in: current) { result[name] = current; current = [] }
        current += [lines[index], lines[index + 1]]
        index += 2
    }
    if let name = field("name", in: current) { result[name] = current }
    return result
}

/// A master that sentinels monitor under `name`, with its replicas.
struct ReplicationGroup {
    let name: String
    let masterPort: Int
    let replicaPorts: [Int]
    let master: ManagedProcess
}

/// A temporary directory, a master and replicas on free ports, and sentinels (Vigil or redis-sentinel).
/// One master is `mymaster` at `masterPort`; a deployment of several masters is `groups`, each named.
final class Topology {
    let directory: String
    var processes: [ManagedProcess] = []
    var masterPort = 0
    var replicaPorts: [Int] = []
    /// Several named masters; sentinel configs written after `startReplicationGroups` monitor them all.
    var groups: [ReplicationGroup] = []

    init(testName: String) throws {
        directory = NSTemporaryDirectory() + "vigil-\(testName)-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func startRedis(port: Int, replicaOf master: Int? = nil, extraArguments: [String] = []) throws -> ManagedProcess {
        var arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory]
        if let master { arguments += ["--replicaof", "127.0.0.1", String(master)] }
        arguments += extraArguments
        let process = try ManagedProcess(name: "redis-\(port)", executable: Binaries.redisServer, arguments: arguments, directory: directory)
        processes.append(process)
        XCTAssertTrue(waitUntil(timeout: 10) { redisCLI(port, "PING").first == "PONG" }, "redis-server on \(port) did not start")
        return process
    }

    /// A master and `replicas` replicas, replication established.
    func startReplicationGroup(replicas: Int = 1) throws {
        let group = try startGroup(name: "mymaster", replicas: replicas)
        masterPort = group.masterPort
        replicaPorts = group.replicaPorts
        waitForReplication(group)
    }

    /// One master per name, each with `replicas` replicas, replication established.
    func startReplicationGroups(names: [String], replicas: Int = 1) throws {
        let started = try names.map { try startGroup(name: $0, replicas: replicas) }
        groups += started
        for group in started { waitForReplication(group) }
    }

    private func startGroup(name: String, replicas: Int) throws -> ReplicationGroup {
        let port = try LoopbackPorts.next()
        let master = try startRedis(port: port)
        let replicaPorts = try (0..<replicas).map { _ in try LoopbackPorts.next() }
        for replica in replicaPorts { _ = try startRedis(port: replica, replicaOf: port) }
        return ReplicationGroup(name: name, masterPort: port, replicaPorts: replicaPorts, master: master)
    }

    private func waitForReplication(_ group: ReplicationGroup) {
        XCTAssertTrue(waitUntil(timeout: 15) {
            redisCLI(group.masterPort, "INFO", "replication").contains { $0.hasPrefix("connected_slaves:\(group.replicaPorts.count)") }
        }, "replication of \(group.name) did not start: \(redisCLI(group.masterPort, "INFO", "replication"))")
    }

    func writeSentinelConfig(
        port: Int, quorum: Int = 1, downAfter: Int = 1000, masterHost: String = "127.0.0.1", header: String = "", extra: String = ""
    ) -> String {
        let path = directory + "/sentinel-\(port).conf"
        let monitored = groups.isEmpty ? [(name: "mymaster", port: masterPort)] : groups.map { (name: $0.name, port: $0.masterPort) }
        let monitors = monitored.map { master in
            """
            sentinel monitor \(master.name) \(masterHost) \(master.port) \(quorum)
            sentinel down-after-milliseconds \(master.name) \(downAfter)
            sentinel failover-timeout \(master.name) 10000

            """
        }
        let text = header + "port \(port)\nbind 127.0.0.1\n" + monitors.joined() + extra
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    func startSentinel(port: Int, configPath: String, binary: String = Binaries.vigil) throws -> ManagedProcess {
        let process = try ManagedProcess(name: "sentinel-\(port)-\(processes.count)", executable: binary, arguments: [configPath], directory: directory)
        processes.append(process)
        XCTAssertTrue(waitUntil(timeout: 10) { ["PONG", "NOAUTH Authentication required."].contains(redisCLI(port, "PING").first ?? "") },
                      "sentinel on \(port) did not start: \(process.output)")
        return process
    }

    func stopAll() {
        for process in processes.reversed() { process.stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
