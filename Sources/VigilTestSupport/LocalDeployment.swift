import Foundation

/// Paths of the binaries that local deployments run.
public enum Binaries {
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    /// The Vigil under test: `VIGIL_BINARY`, or the package's debug build.
    public static var vigil: String { ProcessInfo.processInfo.environment["VIGIL_BINARY"] ?? packageRoot + "/.build/debug/vigil" }
    public static let redisServer = "/usr/bin/redis-server"
    public static let redisSentinel = "/usr/bin/redis-sentinel"
    public static let redisCLI = "/usr/bin/redis-cli"
}

/// A master that sentinels monitor under `name`, with its replicas.
public struct ReplicationGroup: Sendable {
    public let name: String
    public let masterPort: Int
    public let replicaPorts: [Int]
    public let master: ManagedProcess
}

/// The one launcher of local deployments, for the integration tests and `vigil demo`: a temporary
/// directory, masters and replicas on free loopback ports, and sentinels (Vigil or redis-sentinel).
/// Every process is remembered and stopped by its PID, never by name, also when `stopAll` is called
/// from another thread (the demo's interrupt handler).
/// One master is `mymaster` at `masterPort`; a deployment of several masters is `groups`, each named.
public final class LocalDeployment: @unchecked Sendable {
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    public let directory: String
    public var masterPort = 0
    public var replicaPorts: [Int] = []
    /// Several named masters; sentinel configs written after `startReplicationGroups` monitor them all.
    public var groups: [ReplicationGroup] = []
    private let lock = NSLock()
    private var started: [ManagedProcess] = []
    /// The arguments each redis-server was first started with, by port, for `restartRedis`.
    private var redisArguments: [Int: [String]] = [:]

    /// A fresh directory `/tmp/vigil-<name>.XXXXXX`.
    public init(name: String) throws {
        var template = Array("\(NSTemporaryDirectory())vigil-\(name).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw StartError(description: "cannot create a temporary directory in \(NSTemporaryDirectory())")
        }
        directory = String(cString: made)
    }

    /// Every process started or adopted, in order.
    public var processes: [ManagedProcess] { lock.withLock { started } }
    public var processIdentifiers: [Int32] { processes.map(\.pid) }

    /// Makes a process the test started itself part of the deployment, so `stopAll` stops it.
    public func adopt(_ process: ManagedProcess) {
        lock.withLock { started.append(process) }
    }

    /// A redis-server on `port`, answering PING before this returns. `extraArguments` come last, so
    /// they override the defaults (no persistence, the deployment's directory).
    @discardableResult
    public func startRedis(port: Int, replicaOf master: Int? = nil, extraArguments: [String] = []) throws -> ManagedProcess {
        var arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory]
        if let master { arguments += ["--replicaof", "127.0.0.1", String(master)] }
        arguments += extraArguments
        lock.withLock { redisArguments[port] = arguments }
        return try launchRedis(port: port, arguments: arguments, name: "redis-\(port)")
    }

    /// Starts a node again with its first arguments but without `--replicaof`: it comes back as the
    /// master it was, and the sentinels turn it into a replica of the new master.
    @discardableResult
    public func restartRedis(port: Int) throws -> ManagedProcess? {
        guard var arguments = lock.withLock({ redisArguments[port] }) else { return nil }
        if let running = processes.last(where: { $0.name.hasPrefix("redis-\(port)") }), running.isRunning { return running }
        if let at = arguments.firstIndex(of: "--replicaof") { arguments.removeSubrange(at..<(at + 3)) }
        return try launchRedis(port: port, arguments: arguments, name: "redis-\(port)-restarted")
    }

    private func launchRedis(port: Int, arguments: [String], name: String) throws -> ManagedProcess {
        let process = try ManagedProcess(name: name, executable: Binaries.redisServer, arguments: arguments, directory: directory)
        adopt(process)
        guard waitUntil(timeout: 10, { redisCLI(port, "PING").first == "PONG" }) else {
            throw StartError(description: "redis-server on \(port) did not start: \(process.output)")
        }
        return process
    }

    /// A master and `replicas` replicas, replication established. `redisArguments` go to every node.
    public func startReplicationGroup(replicas: Int = 1, redisArguments: [String] = []) throws {
        let group = try startGroup(name: "mymaster", replicas: replicas, redisArguments: redisArguments)
        masterPort = group.masterPort
        replicaPorts = group.replicaPorts
        try waitForReplication(group)
    }

    /// One master per name, each with `replicas` replicas, replication established.
    public func startReplicationGroups(names: [String], replicas: Int = 1) throws {
        let started = try names.map { try startGroup(name: $0, replicas: replicas, redisArguments: []) }
        groups += started
        for group in started { try waitForReplication(group) }
    }

    private func startGroup(name: String, replicas: Int, redisArguments: [String]) throws -> ReplicationGroup {
        let port = try LoopbackPorts.next()
        let master = try startRedis(port: port, extraArguments: nodeArguments(port: port, redisArguments))
        let replicaPorts = try (0..<replicas).map { _ in try LoopbackPorts.next() }
        for replica in replicaPorts {
            try startRedis(port: replica, replicaOf: port, extraArguments: nodeArguments(port: replica, redisArguments))
        }
        return ReplicationGroup(name: name, masterPort: port, replicaPorts: replicaPorts, master: master)
    }

    /// Nodes that persist get a directory each, because their append-only directories would collide.
    private func nodeArguments(port: Int, _ arguments: [String]) throws -> [String] {
        guard arguments.contains("--appendonly") || arguments.contains("--save") else { return arguments }
        let nodeDirectory = "\(directory)/redis-\(port)"
        try FileManager.default.createDirectory(atPath: nodeDirectory, withIntermediateDirectories: true)
        return ["--dir", nodeDirectory] + arguments
    }

    private func waitForReplication(_ group: ReplicationGroup) throws {
        guard waitUntil(timeout: 15, {
            redisCLI(group.masterPort, "INFO", "replication").contains { $0.hasPrefix("connected_slaves:\(group.replicaPorts.count)") }
        }) else {
            throw StartError(description: "replication of \(group.name) did not start: \(redisCLI(group.masterPort, "INFO", "replication"))")
        }
    }

    /// Writes a sentinel config monitoring every master of the deployment and returns its path.
    public func writeSentinelConfig(
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

    /// A sentinel (Vigil unless `binary` says otherwise) answering PING before this returns.
    @discardableResult
    public func startSentinel(port: Int, configPath: String, binary: String = Binaries.vigil) throws -> ManagedProcess {
        let process = try ManagedProcess(name: "sentinel-\(port)-\(processes.count)", executable: binary, arguments: [configPath], directory: directory)
        adopt(process)
        guard waitUntil(timeout: 10, { ["PONG", "NOAUTH Authentication required."].contains(redisCLI(port, "PING").first ?? "") }) else {
            throw StartError(description: "sentinel on \(port) did not start: \(process.output)")
        }
        return process
    }

    /// Stops every process, last started first (resuming paused ones), then removes the directory.
    public func stopAll() {
        for process in processes.reversed() { process.stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs redis-cli and returns its output lines (raw mode).
public func redisCLI(_ port: Int, _ arguments: String...) -> [String] {
    redisCLIArguments(port, arguments)
}

public func redisCLIArguments(_ port: Int, _ arguments: [String]) -> [String] {
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

/// A field of a flat key/value reply such as SENTINEL MASTER, read from redis-cli's lines.
public func field(_ name: String, in lines: [String]) -> String? {
    var index = 0
    while index + 1 < lines.count {
        if lines[index] == name { return lines[index + 1] }
        index += 2
    }
    return nil
}

/// The entries of a reply that lists instances (SENTINEL MASTERS, REPLICAS, SENTINELS), by their `name` field.
public func records(in lines: [String]) -> [String: [String]] {
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
