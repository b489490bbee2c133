#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import RESP
import SentinelCore

/// A plain blocking RESP connection with a deadline on every call, for `vigil drill`: its writer,
/// its reader and its event watchers each own one on their own thread and behave as a simple client
/// would (one command, one reply, reconnect after any error). Not for the daemon's links.
// Unchecked: each connection is used by one thread at a time (a DEBUG SLEEP reply is awaited on
// another thread only after the drill has stopped using it).
public final class BlockingRedisConnection: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        /// Nothing arrived before the deadline; the connection is still usable.
        public var timedOut = false
    }

    public let address: Address
    private let descriptor: Int32
    private let reader = HiredisReplyReader()
    private var closed = false

    /// Connects within `timeoutMilliseconds` (and authenticates, given credentials); later reads and
    /// writes each wait at most as long. A refused AUTH is thrown, with the server's words.
    public init(to address: Address, timeoutMilliseconds: Int, credentials: SentinelQuery.Credentials? = nil) throws {
        self.address = address
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address.host, String(address.port), &hints, &found) == 0, let first = found else {
            throw Failure(description: "cannot resolve \(address.host)")
        }
        defer { freeaddrinfo(found) }
        let socketDescriptor = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketDescriptor >= 0 else { throw Failure(description: "socket: \(Self.lastError())") }
        descriptor = socketDescriptor
        do {
            try connect(first.pointee, timeoutMilliseconds: timeoutMilliseconds)
            var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var noDelay: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        } catch {
            Glibc.close(descriptor)
            closed = true
            throw error
        }
        if let credentials, case .error(let message) = try call(credentials.authCommand) {
            close()
            throw Failure(description: "AUTH refused by \(address): \(message)")
        }
    }

    deinit { close() }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(descriptor)
    }

    /// Sends one command and waits for its reply (a Redis error reply is returned, not thrown).
    public func call(_ arguments: [String]) throws -> RESPValue {
        try send(arguments)
        return try receive()
    }

    public func send(_ arguments: [String]) throws {
        var buffer = HiredisCommand.format(arguments)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(description: written == 0 ? "connection closed" : Self.lastError()) }
            sent += written
        }
    }

    /// The next reply; throws on a closed connection, a protocol error or the deadline.
    public func receive() throws -> RESPValue {
        // Bounded: every read waits at most the deadline, and a reply is at most a few reads long
        // for what the drill asks (its MGET batches are the largest).
        for _ in 0..<100_000 {
            if let reply = try reader.next() { return reply }
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { throw Failure(description: "connection closed") }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure(description: "no reply in time", timedOut: true) }
                throw Failure(description: Self.lastError())
            }
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            buffer.writeBytes(chunk[0..<count])
            reader.feed(buffer)
        }
        throw Failure(description: "reply too large")
    }

    private func connect(_ target: addrinfo, timeoutMilliseconds: Int) throws {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        if Glibc.connect(descriptor, target.ai_addr, target.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { throw Failure(description: Self.lastError()) }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, Int32(timeoutMilliseconds)) == 1 else { throw Failure(description: "no connection in time") }
            var problem: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &problem, &length)
            guard problem == 0 else { throw Failure(description: String(cString: strerror(problem)).lowercased()) }
        }
        _ = fcntl(descriptor, F_SETFL, flags)
    }

    private static func lastError() -> String { String(cString: strerror(errno)).lowercased() }
}
