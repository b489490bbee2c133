import Foundation
import NIOCore
import NIOEmbedded
import NIOTestUtils
import RESP
import XCTest

final class HiredisTests: XCTestCase {
    /// A real redis-server answers a hiredis-formatted command; hiredis reads the reply.
    func testAgainstRealRedisServer() throws {
        let port = Int.random(in: 40_000..<50_000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        server.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGTERM)
            server.waitUntilExit()
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var connected = false
        for _ in 0..<200 where !connected {
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } == 0
            }
            if !connected { usleep(20_000) }
        }
        XCTAssertTrue(connected)
        var request = HiredisCommand.format(["PING"])
        var info = HiredisCommand.format(["INFO", "server"])
        request.writeBuffer(&info)
        _ = request.withUnsafeReadableBytes { send(fd, $0.baseAddress, $0.count, 0) }
        let reader = HiredisReplyReader()
        var replies: [RESPValue] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        for _ in 0..<100 where replies.count < 2 {
            let count = recv(fd, &chunk, chunk.count, 0)
            guard count > 0 else { break }
            reader.feed(ByteBuffer(bytes: chunk[0..<count]))
            while let value = try reader.next() { replies.append(value) }
        }
        XCTAssertEqual(replies.first, .simpleString("PONG"))
        XCTAssertTrue(replies.last?.stringValue?.contains("redis_version:") ?? false)
    }
}
