#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import RESP
import SentinelCore

/// The tools' one RESP client: a plain blocking connection with a deadline on every wait, for
/// `vigil lookup`, `doctor`, `drill` and `demo`. Replies are read by RESP's hiredis reader, commands
/// written by hiredis's formatter. Each drill writer, reader and event watcher owns one on its own
/// thread and behaves as a simple client would (one command, one reply, reconnect after any error);
/// lookup and doctor pipeline their few commands with one deadline for all the replies, so a hung
/// sentinel costs them the timeout and no more. Not for the daemon's links.
// Unchecked: each connection is used by one thread at a time (a DEBUG SLEEP reply is awaited on
// another thread only after the drill has stopped using it).
public final class BlockingRedisConnection: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        /// Nothing arrived before the deadline; the connection is still usable.
        public var timedOut = false
    }

    public let address: Address
    /// How long connecting, and then each call (or a pipelined exchange as a whole), may take.
    public let timeoutMilliseconds: Int
    private let descriptor: Int32
    private let reader = HiredisReplyReader()
    private var closed = false

    /// Connects within `timeoutMilliseconds` (and authenticates, given credentials); later calls each
    /// wait at most as long. A refused AUTH is thrown, with the server's words.
    public init(to address: Address, timeoutMilliseconds: Int, credentials: SentinelQuery.Credentials? = nil) throws {
        self.address = address
        self.timeoutMilliseconds = timeoutMilliseconds
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let resolution = getaddrinfo(address.host, String(address.port), &hints, &found)
        guard resolution == 0, let first = found else {
            throw Failure(description: "cannot resolve \(address.host): \(String(cString: gai_strerror(resolution)).lowercased())")
        }
        defer { freeaddrinfo(found) }
        let socketDescriptor = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketDescriptor >= 0 else { throw Failure(description: "socket: \(Self.lastError())") }
        descriptor = socketDescriptor
        do {
            try connect(first.pointee)
            // A safety net under the polls that bound every wait: no single read or write blocks longer.
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

    /// Connects to `address`, sends `commands` pipelined and returns one reply each (Redis error
    /// replies among them): connecting takes at most `timeoutMilliseconds`, and all the replies
    /// together at most as long again.
    public static func exchange(_ commands: [[String]], with address: Address, timeoutMilliseconds: Int) throws -> [RESPValue] {
        let connection = try BlockingRedisConnection(to: address, timeoutMilliseconds: timeoutMilliseconds)
        defer { connection.close() }
        return try connection.exchange(commands)
    }

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

    /// Sends `commands` pipelined and waits for their replies, all within one timeout.
    public func exchange(_ commands: [[String]]) throws -> [RESPValue] {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        for command in commands {
            var formatted = HiredisCommand.format(command)
            buffer.writeBuffer(&formatted)
        }
        try write(buffer)
        let deadline = ContinuousClock.now + .milliseconds(timeoutMilliseconds)
        return try commands.map { _ in try receive(before: deadline) }
    }

    public func send(_ arguments: [String]) throws {
        try write(HiredisCommand.format(arguments))
    }

    /// The next reply within the timeout; throws on a closed connection, a protocol error or the
    /// deadline (a `timedOut` failure, after which the connection is still usable).
    public func receive() throws -> RESPValue {
        try receive(before: .now + .milliseconds(timeoutMilliseconds))
    }

    private func receive(before deadline: ContinuousClock.Instant) throws -> RESPValue {
        // Bounded: every pass reads or waits until the deadline, and a reply is at most a few reads
        // long for what the tools ask (the drill's MGET batches are the largest).
        for _ in 0..<100_000 {
            if let reply = try reader.next() { return reply }
            guard try awaitReadable(before: deadline) else { continue }
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { throw Failure(description: "connection closed before the reply") }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { throw noReply() }
                throw Failure(description: Self.lastError())
            }
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            buffer.writeBytes(chunk[0..<count])
            reader.feed(buffer)
        }
        throw Failure(description: "reply too large")
    }

    /// Waits until the socket has bytes (true) or a signal interrupted the wait (false); throws at
    /// the deadline.
    private func awaitReadable(before deadline: ContinuousClock.Instant) throws -> Bool {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { throw noReply() }
        // Rounded up, so a wait never ends just before the deadline and spins.
        let milliseconds = left.components.seconds * 1_000 + (left.components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32(clamping: milliseconds))
        if ready < 0 && errno != EINTR { throw Failure(description: Self.lastError()) }
        if ready == 0 { throw noReply() }
        return ready > 0
    }

    private func noReply() -> Failure {
        Failure(description: "no reply within \(timeoutMilliseconds) ms", timedOut: true)
    }

    private func write(_ buffer: ByteBuffer) throws {
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(description: written == 0 ? "connection closed" : Self.lastError()) }
            sent += written
        }
    }

    private func connect(_ target: addrinfo) throws {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        if Glibc.connect(descriptor, target.ai_addr, target.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { throw Failure(description: Self.lastError()) }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, Int32(clamping: timeoutMilliseconds)) == 1 else {
                throw Failure(description: "no connection within \(timeoutMilliseconds) ms")
            }
            var problem: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &problem, &length)
            guard problem == 0 else { throw Failure(description: String(cString: strerror(problem)).lowercased()) }
        }
        _ = fcntl(descriptor, F_SETFL, flags)
    }

    private static func lastError() -> String { String(cString: strerror(errno)).lowercased() }
}
