import Foundation
import NIOCore
import RESP
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// hiredis-formatted commands to a real redis-server, replies read by HiredisReplyReader.
final class RealRedisServerTests: XCTestCase {
    static let redisServerPath = "/usr/bin/redis-server"
    /// redis-server starts in milliseconds; 250 tries 20 ms apart allow five seconds on a busy machine.
    static let connectAttempts = 250
    static let connectRetryMicroseconds: UInt32 = 20_000
    /// The two replies are a few kilobytes; this many reads is far more than they need.
    static let maxReads = 1_000

    func testPingAndInfoAgainstRealRedisServer() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.redisServerPath), "redis-server is not installed")
        let port = try Self.freeLoopbackPort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Self.redisServerPath)
        server.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let socket = try Self.connect(port: port)
        defer { close(socket) }

        var request = HiredisCommand.format(["PING"])
        var info = HiredisCommand.format(["INFO", "server"])
        request.writeBuffer(&info)
        let sent = request.withUnsafeReadableBytes { send(socket, $0.baseAddress, $0.count, 0) }
        XCTAssertEqual(sent, request.readableBytes)

        let reader = HiredisReplyReader()
        var replies: [RESPValue] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        for _ in 0..<Self.maxReads where replies.count < 2 {
            let count = recv(socket, &chunk, chunk.count, 0)
            guard count > 0 else { break }
            reader.feed(ByteBuffer(bytes: chunk[0..<count]))
            while let value = try reader.next() { replies.append(value) }
        }
        XCTAssertEqual(replies.first, .simpleString("PONG"))
        XCTAssertEqual(replies.count, 2)
        XCTAssertTrue(replies.last?.stringValue?.contains("redis_version:") ?? false, "\(String(describing: replies.last))")
    }

    /// Binds port 0 on loopback and reads back the port the kernel chose.
    static func freeLoopbackPort() throws -> Int {
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard probe >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(probe) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe, $0, &length) }
        }
        guard named == 0 else { throw POSIXError(.EINVAL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func connect(port: Int) throws -> Int32 {
        for _ in 0..<connectAttempts {
            let candidate = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = loopback(port: port)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(candidate, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if result == 0 { return candidate }
            close(candidate)
            usleep(connectRetryMicroseconds)
        }
        throw POSIXError(.ECONNREFUSED)
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
