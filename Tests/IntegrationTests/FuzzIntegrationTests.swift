import Foundation
import VigilTestSupport
import XCTest

/// Thousands of random and truncated RESP frames over real sockets: Vigil keeps answering, and its
/// memory stays bounded.
final class FuzzIntegrationTests: XCTestCase {
    var topology: LocalDeployment!

    override func setUpWithError() throws {
        topology = try LocalDeployment(name: "fuzz")
    }

    override func tearDown() {
        topology.stopAll()
    }

    func connect(_ port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    func residentKilobytes(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    func testRandomFramesNeitherCrashNorGrowMemory() throws {
        try topology.startReplicationGroup(replicas: 0)
        let port = try LoopbackPorts.next()
        let vigil = try topology.startSentinel(port: port, configPath: topology.writeSentinelConfig(port: port, quorum: 2))
        let before = residentKilobytes(vigil.pid)
        var seed: UInt64 = 2024
        func next() -> UInt64 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return seed >> 33
        }
        let pieces = ["*", "$", "\r\n", "3", "-1", "PING", "SENTINEL", "MASTERS", "\"", " ", "*2\r\n", "$4\r\nPING\r\n",
                      "*99999\r\n", "$99999999999\r\n", "INFO", "CLIENT LIST", "SUBSCRIBE x"]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        for connection in 0..<200 {
            let fd = connect(port)
            for _ in 0..<25 {
                var frame = ""
                for _ in 0..<(1 + next() % 8) { frame += pieces[Int(next() % UInt64(pieces.count))] }
                var bytes = Array(frame.utf8)
                if next() % 5 == 0 { bytes += (0..<(next() % 32)).map { _ in UInt8(truncatingIfNeeded: next()) } }
                _ = send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
            }
            if connection % 10 == 0 { _ = recv(fd, &buffer, buffer.count, 0) }
            close(fd)
        }
        XCTAssertTrue(vigil.isRunning, vigil.output)
        XCTAssertTrue(waitUntil(timeout: 10) { redisCLI(port, "PING") == ["PONG"] })
        XCTAssertEqual(redisCLI(port, "SENTINEL", "get-master-addr-by-name", "mymaster"), ["127.0.0.1", String(topology.masterPort)])
        let after = residentKilobytes(vigil.pid)
        // 5,000 frames on 200 connections must not leave their buffers behind: allow 64 MiB of noise.
        XCTAssertLessThan(after - before, 64 * 1024, "RSS grew from \(before) kB to \(after) kB")
    }
}
