import Foundation
import SentinelCore
import SentinelServer

/// The processes `vigil demo` starts in a temporary directory on loopback: a master and two
/// replicas with AOF (`appendfsync everysec`), and three Vigils (quorum 2). Every process is
/// remembered by PID and stopped by PID, also when the demo is interrupted.
final class DemoDeployment: @unchecked Sendable {
    struct Node {
        var port: Int
        var arguments: [String]
    }

    let directory: String
    let masterName = "mymaster"
    private(set) var nodes: [Node] = []
    private(set) var sentinelPorts: [Int] = []
    private let lock = NSLock()
    private var children: [Int: Process] = [:]
    private var order: [Int] = []

    init() throws {
        var template = Array("/tmp/vigil-demo.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw DrillRunner.DrillError(description: "cannot create a temporary directory in /tmp")
        }
        directory = String(cString: made)
    }

    var sentinels: [Address] { sentinelPorts.map { Address(host: "127.0.0.1", port: $0) } }

    func start(vigil: String) throws {
        let ports = try (0..<6).map { _ in try LoopbackPorts.next() }
        let masterPort = ports[0]
        for (index, port) in ports[0..<3].enumerated() {
            let nodeDirectory = "\(directory)/redis-\(port)"
            try FileManager.default.createDirectory(atPath: nodeDirectory, withIntermediateDirectories: true)
            var arguments = ["--port", String(port), "--bind", "127.0.0.1", "--dir", nodeDirectory, "--save", "",
                             "--appendonly", "yes", "--appendfsync", "everysec"]
            if index > 0 { arguments += ["--replicaof", "127.0.0.1", String(masterPort)] }
            nodes.append(Node(port: port, arguments: arguments))
            try launch("/usr/bin/env", ["redis-server"] + arguments, name: "redis-\(port)", key: port)
        }
        sentinelPorts = Array(ports[3..<6])
        for port in sentinelPorts {
            let config = "\(directory)/sentinel-\(port).conf"
            let text = """
                port \(port)
                bind 127.0.0.1
                sentinel monitor \(masterName) 127.0.0.1 \(masterPort) 2
                sentinel down-after-milliseconds \(masterName) 1000
                sentinel failover-timeout \(masterName) 10000

                """
            try Data(text.utf8).write(to: URL(fileURLWithPath: config))
            try launch(vigil, [config], name: "vigil-\(port)", key: port)
        }
    }

    /// Starts a node again with its original arguments but without `--replicaof`: it comes back as
    /// the master it was, and the Vigils turn it into a replica of the new master.
    func restartNode(port: Int) throws {
        guard let node = nodes.first(where: { $0.port == port }) else { return }
        if let previous = lock.withLock({ children[port] }), previous.isRunning { return }
        var arguments = node.arguments
        if let at = arguments.firstIndex(of: "--replicaof") { arguments.removeSubrange(at..<(at + 3)) }
        try launch("/usr/bin/env", ["redis-server"] + arguments, name: "redis-\(port)-restarted", key: port)
    }

    /// Stops every process it started (resuming any that a drill paused), then removes the directory.
    func stopAll() {
        let processes = lock.withLock { order.reversed().compactMap { children[$0] } }
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            kill(process.processIdentifier, SIGTERM)
        }
        for process in processes {
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    var processIdentifiers: [Int32] { lock.withLock { order.compactMap { children[$0]?.processIdentifier } } }

    private func launch(_ executable: String, _ arguments: [String], name: String, key: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let log = "\(directory)/\(name).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        lock.withLock {
            children[key] = process
            order.removeAll { $0 == key }
            order.append(key)
        }
    }
}
