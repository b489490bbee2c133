import Foundation
import VigilTestSupport
import XCTest

/// TLS on Vigil's client port and on its links, against redis-server started with TLS only.
final class TLSIntegrationTests: XCTestCase {
    var topology: LocalDeployment!
    var certificates: String { topology.directory + "/tls" }

    override func setUpWithError() throws {
        topology = try LocalDeployment(name: name.filter { $0.isLetter })
        try FileManager.default.createDirectory(atPath: certificates, withIntermediateDirectories: true)
        // Our CA with a server certificate, another CA nobody trusts with its own, and an expired one.
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Vigil Test CA"])
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "2", "-subj", "/CN=Untrusted CA"])
        try FileManager.default.createFile(atPath: certificates + "/san.cnf", contents: Data("subjectAltName=IP:127.0.0.1\n".utf8))
        for (name, ca, days) in [("server", "ca", "2"), ("untrusted", "other-ca", "2"), ("expired", "ca", "-1")] {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=127.0.0.1"])
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).crt", "-CAkey", "\(ca).key", "-CAcreateserial",
                         "-out", "\(name).crt", "-days", days, "-extfile", "san.cnf"])
        }
    }

    override func tearDown() {
        topology.stopAll()
    }

    func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: certificates)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "openssl \(arguments.joined(separator: " "))")
    }

    /// redis-cli over TLS, presenting our server certificate as its client certificate.
    func tlsCLI(_ port: Int, clientCertificate: Bool = true, _ arguments: String...) -> [String] {
        var words = ["--tls", "--cacert", certificates + "/ca.crt"]
        if clientCertificate { words += ["--cert", certificates + "/server.crt", "--key", certificates + "/server.key"] }
        return redisCLIArguments(port, words + arguments)
    }

    /// A TLS-only redis-server (port 0) with `certificate`, replicating over TLS when asked.
    func startTLSRedis(port: Int, certificate: String = "server", replicaOf master: Int? = nil) throws -> ManagedProcess {
        var arguments = ["--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--dir", topology.directory, "--tls-cert-file", "\(certificates)/\(certificate).crt",
                         "--tls-key-file", "\(certificates)/\(certificate).key", "--tls-ca-cert-file", "\(certificates)/ca.crt",
                         "--tls-replication", "yes", "--tls-auth-clients", "no"]
        if let master { arguments += ["--replicaof", "127.0.0.1", String(master)] }
        let process = try ManagedProcess(name: "redis-tls-\(port)", executable: Binaries.redisServer, arguments: arguments, directory: topology.directory)
        topology.adopt(process)
        XCTAssertTrue(waitUntil(timeout: 10) { self.tlsCLI(port, "PING").first == "PONG" }, "redis-server on \(port) did not start: \(process.output)")
        return process
    }

    func startTLSVigil(port: Int, masterPort: Int, tlsPort: Int, quorum: Int = 1) throws -> ManagedProcess {
        let path = topology.directory + "/vigil-\(tlsPort).conf"
        let text = """
            port \(port)
            bind 127.0.0.1
            tls-port \(tlsPort)
            tls-cert-file \(certificates)/server.crt
            tls-key-file \(certificates)/server.key
            tls-ca-cert-file \(certificates)/ca.crt
            tls-replication yes
            sentinel monitor mymaster 127.0.0.1 \(masterPort) \(quorum)
            sentinel down-after-milliseconds mymaster 1000
            sentinel failover-timeout mymaster 5000

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let process = try ManagedProcess(name: "vigil-\(tlsPort)", executable: Binaries.vigil, arguments: [path], directory: topology.directory)
        topology.adopt(process)
        XCTAssertTrue(waitUntil(timeout: 10) { self.tlsCLI(tlsPort, "PING").first == "PONG" }, "vigil did not start: \(process.output)")
        return process
    }

    func testTLSOnlyDeploymentIsMonitoredAndServedOverTLS() throws {
        let master = try LoopbackPorts.next()
        let replica = try LoopbackPorts.next()
        _ = try startTLSRedis(port: master)
        _ = try startTLSRedis(port: replica, replicaOf: master)
        let tlsPort = try LoopbackPorts.next()
        let vigil = try startTLSVigil(port: 0, masterPort: master, tlsPort: tlsPort)
        XCTAssertEqual(tlsCLI(tlsPort, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"), ["127.0.0.1", String(master)])
        XCTAssertTrue(waitUntil(timeout: 20) {
            field("num-slaves", in: self.tlsCLI(tlsPort, "SENTINEL", "MASTER", "mymaster")) == "1"
                && field("flags", in: self.tlsCLI(tlsPort, "SENTINEL", "MASTER", "mymaster")) == "master"
        }, "INFO over TLS finds the replica: \(vigil.output)")
        XCTAssertTrue(waitUntil(timeout: 20) {
            field("master-link-status", in: self.tlsCLI(tlsPort, "SENTINEL", "REPLICAS", "mymaster")) == "ok"
        })
        // tls-auth-clients defaults to yes: a client without a certificate is turned away.
        XCTAssertNotEqual(tlsCLI(tlsPort, clientCertificate: false, "PING").first, "PONG")
        // Plain text on the TLS port gets nothing back.
        XCTAssertNotEqual(redisCLI(tlsPort, "PING").first, "PONG")
        XCTAssertTrue(vigil.output.contains("tls-port=\(tlsPort)"), vigil.output)
    }

    func testTwoVigilsAgreeOverTLSAndFailOver() throws {
        let master = try LoopbackPorts.next()
        let replica = try LoopbackPorts.next()
        let masterProcess = try startTLSRedis(port: master)
        _ = try startTLSRedis(port: replica, replicaOf: master)
        let tlsPorts = [try LoopbackPorts.next(), try LoopbackPorts.next()]
        for tlsPort in tlsPorts { _ = try startTLSVigil(port: 0, masterPort: master, tlsPort: tlsPort, quorum: 2) }
        // Hellos announce the TLS port, so the peers reach each other over TLS.
        XCTAssertTrue(waitUntil(timeout: 20) {
            tlsPorts.allSatisfy { field("num-other-sentinels", in: self.tlsCLI($0, "SENTINEL", "MASTER", "mymaster")) == "1" }
                && tlsPorts.allSatisfy { field("num-slaves", in: self.tlsCLI($0, "SENTINEL", "MASTER", "mymaster")) == "1" }
        })
        XCTAssertEqual(field("port", in: tlsCLI(tlsPorts[0], "SENTINEL", "SENTINELS", "mymaster")), String(tlsPorts[1]))
        masterProcess.killHard()
        // Two Vigils that reach ODOWN in the same instant can split their votes; as in Redis, they
        // try again after twice the failover-timeout (5 s here), well inside this wait.
        XCTAssertTrue(waitUntil(timeout: 45) {
            tlsPorts.allSatisfy { self.tlsCLI($0, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster") == ["127.0.0.1", String(replica)] }
        }, "both Vigils name the promoted replica")
        XCTAssertTrue(waitUntil(timeout: 10) { self.tlsCLI(replica, "ROLE").first == "master" })
    }

    func testUntrustedAndExpiredCertificatesAreNamedInTheLog() throws {
        let untrusted = try LoopbackPorts.next()
        let expired = try LoopbackPorts.next()
        // Each server trusts nothing of ours and presents a certificate Vigil must refuse.
        for (port, certificate) in [(untrusted, "untrusted"), (expired, "expired")] {
            let arguments = ["--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", topology.directory,
                             "--tls-cert-file", "\(certificates)/\(certificate).crt", "--tls-key-file", "\(certificates)/\(certificate).key",
                             "--tls-ca-cert-file", "\(certificates)/ca.crt", "--tls-auth-clients", "no"]
            topology.adopt(try ManagedProcess(name: "redis-\(certificate)", executable: Binaries.redisServer,
                                              arguments: arguments, directory: topology.directory))
        }
        let first = try startTLSVigil(port: 0, masterPort: untrusted, tlsPort: try LoopbackPorts.next())
        let second = try startTLSVigil(port: 0, masterPort: expired, tlsPort: try LoopbackPorts.next())
        XCTAssertTrue(waitUntil(timeout: 15) { first.output.contains("TLS handshake failed: the peer's certificate is not signed by a CA in tls-ca-cert-file") },
                      first.output)
        XCTAssertTrue(waitUntil(timeout: 15) { second.output.contains("TLS handshake failed: the peer's certificate has expired") }, second.output)
        XCTAssertTrue(first.output.contains("Link to 127.0.0.1:\(untrusted):"), first.output)
    }

    func testMissingCertificateFileStopsStartup() throws {
        let path = topology.directory + "/broken-tls.conf"
        try "port 0\ntls-port \(try LoopbackPorts.next())\ntls-cert-file \(certificates)/nope.crt\ntls-key-file \(certificates)/server.key\ntls-ca-cert-file \(certificates)/ca.crt\nsentinel monitor m 127.0.0.1 6379 1\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let vigil = try ManagedProcess(name: "broken", executable: Binaries.vigil, arguments: [path], directory: topology.directory)
        XCTAssertTrue(vigil.waitForExit(timeout: 10))
        XCTAssertEqual(vigil.process.terminationStatus, 1)
        XCTAssertTrue(vigil.output.contains("cannot load tls-cert-file '\(certificates)/nope.crt'"), vigil.output)
        XCTAssertTrue(vigil.output.contains("Failed to configure TLS. Check logs for more info."), vigil.output)
    }

    /// With no CA, every CA of the system store would be trusted; redis-sentinel refuses to start.
    func testTLSWithoutACAStopsStartupAsRedisDoes() throws {
        let path = topology.directory + "/no-ca.conf"
        try "port 0\ntls-port \(try LoopbackPorts.next())\ntls-cert-file \(certificates)/server.crt\ntls-key-file \(certificates)/server.key\nsentinel monitor m 127.0.0.1 6379 1\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let vigil = try ManagedProcess(name: "no-ca", executable: Binaries.vigil, arguments: [path], directory: topology.directory)
        XCTAssertTrue(vigil.waitForExit(timeout: 10))
        XCTAssertEqual(vigil.process.terminationStatus, 1)
        XCTAssertTrue(vigil.output.contains(
            "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!"),
            vigil.output)
    }
}
