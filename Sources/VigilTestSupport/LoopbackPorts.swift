import Foundation
import Synchronization

/// Ports on 127.0.0.1 for the processes that `vigil demo` and the tests start.
///
/// Binding port 0 and closing the socket is not enough, for two reasons seen in practice: the kernel
/// may give the same port to two calls in a row (the socket is closed before the process that will
/// use the port binds it, so two Vigils were once configured on one port), and it picks from the
/// ephemeral range, where the source port of any outgoing connection (a replica connecting to its
/// master, a Vigil linking to a peer) may take the port before its server starts. So ports come from
/// outside the ephemeral range, are checked to be free, and are never handed out twice by one process.
public enum LoopbackPorts {
    public struct Exhausted: Error, CustomStringConvertible {
        public let description = "no free port on 127.0.0.1 outside the ephemeral range"
    }

    private static let handedOut = Mutex<Set<Int>>([])

    /// A port no other caller in this process has been given, free on 127.0.0.1 when it is returned.
    public static func next() throws -> Int {
        let candidates = candidateRanges(ephemeral: ephemeralRange())
        let total = candidates.reduce(0) { $0 + $1.count }
        guard total > 0 else { throw Exhausted() }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<4096 {
            var offset = Int.random(in: 0..<total, using: &generator)
            var port = 0
            for range in candidates {
                if offset < range.count { port = range.lowerBound + offset; break }
                offset -= range.count
            }
            let claimed = handedOut.withLock { taken in
                guard !taken.contains(port), isFree(port) else { return false }
                taken.insert(port)
                return true
            }
            if claimed { return port }
        }
        throw Exhausted()
    }

    /// Ports from 10000 up that lie outside the ephemeral range (below 10000 are well-known services).
    static func candidateRanges(ephemeral: ClosedRange<Int>) -> [ClosedRange<Int>] {
        var ranges: [ClosedRange<Int>] = []
        if ephemeral.lowerBound > 10000 { ranges.append(10000...(ephemeral.lowerBound - 1)) }
        if ephemeral.upperBound < 65535 { ranges.append(max(10000, ephemeral.upperBound + 1)...65535) }
        return ranges
    }

    /// The kernel's ephemeral range, or Linux's default when it cannot be read.
    static func ephemeralRange() -> ClosedRange<Int> {
        let fallback = 32768...60999
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8) else {
            return fallback
        }
        let bounds = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { return fallback }
        return bounds[0]...bounds[1]
    }

    /// Whether 127.0.0.1:port can be bound now (without SO_REUSEADDR, so a port that still has
    /// connections in TIME_WAIT counts as taken).
    static func isFree(_ port: Int) -> Bool {
        guard let descriptor = occupy(port) else { return false }
        close(descriptor)
        return true
    }

    /// Binds a socket to 127.0.0.1:port and returns it (the caller closes it), or nil when the port is taken.
    /// Tests use it to hold a port that Vigil is then told to use.
    public static func occupy(_ port: Int) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard bound else {
            close(descriptor)
            return nil
        }
        return descriptor
    }
}
