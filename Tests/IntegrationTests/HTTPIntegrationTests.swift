import Foundation
import VigilTestSupport
import XCTest

/// The opt-in HTTP listener: /health, /v1/masters/<name> and Prometheus /metrics through a failover.
final class HTTPIntegrationTests: XCTestCase {
    var topology: LocalDeployment!

    override func setUpWithError() throws {
        topology = try LocalDeployment(name: name.filter { $0.isLetter })
    }

    override func tearDown() {
        topology.stopAll()
    }

    /// A plain HTTP/1.0 GET over a socket: (status code, body), or nil when nothing answers.
    func get(_ port: Int, _ path: String, method: String = "GET") -> (status: Int, body: String)? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("\(method) \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard send(descriptor, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return nil }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        for _ in 0..<1_000 {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n").first, let separator = text.range(of: "\r\n\r\n") else { return nil }
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, String(text[separator.upperBound...]))
    }

    func json(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    func testHealthMasterDocumentAndMetricsFollowAFailover() throws {
        try topology.startReplicationGroup(replicas: 1)
        let port = try LoopbackPorts.next()
        let httpPort = try LoopbackPorts.next()
        _ = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, extra: "vigil-http-port \(httpPort)\n"))
        XCTAssertTrue(waitUntil(timeout: 10) { self.get(httpPort, "/health")?.status == 200 })
        XCTAssertEqual(json(get(httpPort, "/health")?.body ?? "")["status"] as? String, "ok")
        XCTAssertTrue(waitUntil(timeout: 15) {
            field("num-slaves", in: redisCLI(port, "SENTINEL", "MASTER", "mymaster")) == "1"
        })
        let before = json(get(httpPort, "/v1/masters/mymaster")?.body ?? "")
        XCTAssertEqual((before["address"] as? [String: Any])?["port"] as? Int, topology.masterPort)
        XCTAssertEqual(before["status"] as? String, "ok")
        XCTAssertEqual(before["known_replicas"] as? Int, 1)
        XCTAssertEqual(get(httpPort, "/v1/masters/nosuch")?.status, 404)
        XCTAssertEqual(get(httpPort, "/nowhere")?.status, 404)
        XCTAssertEqual(get(httpPort, "/health", method: "POST")?.status, 405)
        // A replica is counted as soon as the master's INFO names it; the links to it open after.
        let replicaConnected = "vigil_link_connected{master=\"mymaster\",role=\"replica\",instance=\"127.0.0.1:\(topology.replicaPorts[0])\"} 1.0"
        XCTAssertTrue(waitUntil(timeout: 15) { (self.get(httpPort, "/metrics")?.body ?? "").contains(replicaConnected) },
                      get(httpPort, "/metrics")?.body ?? "")
        let metrics = get(httpPort, "/metrics")?.body ?? ""
        XCTAssertTrue(metrics.contains("vigil_master_objectively_down{master=\"mymaster\"} 0.0"), metrics)
        XCTAssertTrue(metrics.contains("vigil_master_known_replicas{master=\"mymaster\"} 1.0"), metrics)

        topology.processes[0].killHard()
        XCTAssertTrue(waitUntil(timeout: 30) {
            (self.json(self.get(httpPort, "/v1/masters/mymaster")?.body ?? "")["address"] as? [String: Any])?["port"] as? Int
                == self.topology.replicaPorts[0]
        }, "the document names the promoted replica")
        XCTAssertEqual(json(get(httpPort, "/v1/masters/mymaster")?.body ?? "")["config_epoch"] as? Int, 1)
        XCTAssertTrue(waitUntil(timeout: 30) {
            (self.get(httpPort, "/metrics")?.body ?? "").contains("vigil_failovers_finished_total{master=\"mymaster\"} 1")
        })
        let after = get(httpPort, "/metrics")?.body ?? ""
        XCTAssertTrue(after.contains("vigil_failovers_started_total{master=\"mymaster\"} 1"), after)
        XCTAssertTrue(after.contains("vigil_current_epoch 1.0"), after)
        // Once the failover has ended (the master entry is switched on the tick after +failover-end), the
        // promoted replica is the master and the old master's address is no longer listed as one.
        let promotedAsMaster = "role=\"master\",instance=\"127.0.0.1:\(topology.replicaPorts[0])\""
        XCTAssertTrue(waitUntil(timeout: 10) { (self.get(httpPort, "/metrics")?.body ?? "").contains(promotedAsMaster) })
        let switched = get(httpPort, "/metrics")?.body ?? ""
        XCTAssertFalse(switched.contains("role=\"master\",instance=\"127.0.0.1:\(topology.masterPort)\""), switched)
        for phase in ["agreement", "election", "promotion", "announcement", "reconfiguration"] {
            XCTAssertTrue(after.contains("vigil_failover_phase_seconds_count{master=\"mymaster\",phase=\"\(phase)\"} 1"), "\(phase): \(after)")
        }
    }

    func testTakenHTTPPortStopsStartupWithAClearMessage() throws {
        try topology.startReplicationGroup(replicas: 0)
        let taken = try LoopbackPorts.next()
        let blocker = try XCTUnwrap(LoopbackPorts.occupy(taken))
        defer { close(blocker) }
        listen(blocker, 1)
        let port = try LoopbackPorts.next()
        let vigil = try ManagedProcess(
            name: "vigil", executable: Binaries.vigil,
            arguments: [topology.writeSentinelConfig(port: port, extra: "vigil-http-port \(taken)\n")], directory: topology.directory)
        topology.adopt(vigil)
        XCTAssertTrue(vigil.waitForExit(timeout: 10))
        XCTAssertEqual(vigil.process.terminationStatus, 1)
        XCTAssertTrue(vigil.output.contains("Could not create the HTTP listening socket 127.0.0.1:\(taken)"), vigil.output)
    }
}
