import Foundation
import VigilTestSupport
import XCTest

/// Vigil under systemd's notify protocol, with a real datagram socket playing systemd's part, and
/// the unit files checked by systemd-analyze.
final class SystemdIntegrationTests: XCTestCase {
    var topology: LocalDeployment!

    override func setUpWithError() throws {
        topology = try LocalDeployment(name: name.filter { $0.isLetter })
    }

    override func tearDown() {
        topology.stopAll()
    }

    /// A bound unix datagram socket that collects what Vigil sends; `name` is a path or `@abstract`.
    final class NotifySocket {
        let descriptor: Int32
        init(name: String) throws {
            descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(name.utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { path in
                for (index, byte) in bytes.enumerated() { path[index] = byte }
                if bytes[0] == UInt8(ascii: "@") { path[0] = 0 }
            }
            let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
            let length = socklen_t(offset + bytes.count + (bytes[0] == UInt8(ascii: "@") ? 0 : 1))
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
            }
            guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL) }
            var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        deinit { close(descriptor) }

        /// Every datagram received until `condition` holds on them or `timeout` passes.
        func collect(timeout: TimeInterval, until condition: ([String]) -> Bool) -> [String] {
            var messages: [String] = []
            let deadline = Date().addingTimeInterval(timeout)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline, !condition(messages) {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
            }
            return messages
        }
    }

    func runNotifyProtocol(socketName: String) throws {
        try topology.startReplicationGroup(replicas: 0)
        let notifications = try NotifySocket(name: socketName)
        let port = try LoopbackPorts.next()
        let vigil = try ManagedProcess(
            name: "vigil", executable: Binaries.vigil, arguments: [topology.writeSentinelConfig(port: port)], directory: topology.directory,
            environment: ["NOTIFY_SOCKET": socketName, "WATCHDOG_USEC": "400000"])
        topology.adopt(vigil)
        let ready = notifications.collect(timeout: 15) { $0.contains { $0.contains("READY=1") } }
        let readyMessage = try XCTUnwrap(ready.first { $0.contains("READY=1") }, "no READY=1: \(ready) \(vigil.output)")
        XCTAssertTrue(readyMessage.contains("STATUS=listening on port \(port)"), readyMessage)
        XCTAssertEqual(redisCLI(port, "PING"), ["PONG"], "READY=1 comes only once the port listens")
        // The watchdog is fed at half of WATCHDOG_USEC (200 ms), from the decision loop.
        let running = notifications.collect(timeout: 5) { $0.filter { $0.contains("WATCHDOG=1") }.count >= 4 }
        XCTAssertGreaterThanOrEqual(running.filter { $0.contains("WATCHDOG=1") }.count, 4, "\(running)")
        XCTAssertTrue((ready + running).contains { $0.contains("STATUS=masters: 1 ok, 0 sdown, 0 odown; no failover in progress") },
                      "\(ready + running)")
        // The status follows what Vigil sees.
        topology.processes[0].pause()
        let down = notifications.collect(timeout: 10) { $0.contains { $0.contains("STATUS=masters: 0 ok, 0 sdown, 1 odown") } }
        topology.processes[0].resume()
        XCTAssertTrue(down.contains { $0.contains("STATUS=masters: 0 ok, 0 sdown, 1 odown") }, "\(down)")
        vigil.signal(SIGTERM)
        let stopping = notifications.collect(timeout: 5) { $0.contains { $0.contains("STOPPING=1") } }
        XCTAssertTrue(stopping.contains { $0.contains("STOPPING=1") }, "\(stopping)")
        XCTAssertTrue(vigil.waitForExit(timeout: 2), "SIGTERM: exit within a second or so")
        XCTAssertEqual(vigil.process.terminationStatus, 0)
    }

    func testNotifyProtocolOverAPathSocket() throws {
        try runNotifyProtocol(socketName: topology.directory + "/notify.sock")
    }

    func testNotifyProtocolOverAnAbstractSocket() throws {
        try runNotifyProtocol(socketName: "@vigil-notify-\(getpid())-\(Int.random(in: 0..<1_000_000))")
    }

    func testUnitFilesVerifyAndAreHardened() throws {
        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else {
            throw XCTSkip("systemd-analyze is not installed (Debian package systemd)")
        }
        for (unit, instance) in [("vigil.service", "vigil.service"), ("vigil@.service", "vigil@cache.service")] {
            let text = try String(contentsOfFile: Binaries.packageRoot + "/Deploy/" + unit, encoding: .utf8)
            // verify checks that ExecStart's binary exists: point it at the one under test.
            let path = topology.directory + "/" + instance
            try text.replacingOccurrences(of: "/usr/local/bin/vigil", with: Binaries.vigil).write(toFile: path, atomically: true, encoding: .utf8)
            let verify = run(analyze, ["verify", path])
            XCTAssertEqual(verify.status, 0, "\(unit): \(verify.output)")
            XCTAssertEqual(verify.output.trimmingCharacters(in: .whitespacesAndNewlines), "", "\(unit): no warnings")
            let security = run(analyze, ["security", "--offline=true", path])
            let line = try XCTUnwrap(security.output.split(separator: "\n").first { $0.contains("Overall exposure level") }, security.output)
            let score = try XCTUnwrap(line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }, String(line))
            XCTAssertLessThanOrEqual(score, 2.0, "\(unit): \(line)")
            XCTAssertTrue(text.contains("Type=notify"))
        }
    }

    func run(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: topology.directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return (-1, "could not run \(executable)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
