#if canImport(Glibc)
import Glibc
#endif

/// systemd's notify protocol (`Type=notify`): datagrams of `KEY=value` lines to the unix socket named
/// by `$NOTIFY_SOCKET` (a path, or an abstract name written with a leading `@`). Vigil says READY=1
/// once it listens, STATUS= whenever what it sees changes, WATCHDOG=1 at half of `$WATCHDOG_USEC`
/// from the loop that makes decisions (so a stuck loop gets the process restarted), STOPPING=1 on
/// shutdown. Without `$NOTIFY_SOCKET` there is no notifier and nothing is sent.
public final class SystemdNotifier: @unchecked Sendable {
    private let descriptor: Int32
    private var address = sockaddr_un()
    private let addressLength: socklen_t
    /// Half the watchdog timeout systemd set for this process, or nil when it set none.
    public let watchdogIntervalMilliseconds: Int64?
    private var lastWatchdogMilliseconds: Int64?
    private var lastStatus: String?

    /// Reads and removes `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from the environment,
    /// so scripts Vigil runs do not talk to systemd in its name.
    public static func fromEnvironment() -> SystemdNotifier? {
        func take(_ name: String) -> String? {
            guard let value = getenv(name).map({ String(cString: $0) }) else { return nil }
            unsetenv(name)
            return value
        }
        let socket = take("NOTIFY_SOCKET")
        let watchdog = take("WATCHDOG_USEC")
        let watchdogPID = take("WATCHDOG_PID")
        guard let socket else { return nil }
        var interval: Int64?
        if let microseconds = watchdog.flatMap(Int64.init), microseconds > 0,
            watchdogPID.flatMap(Int32.init).map({ $0 == getpid() }) ?? true
        {
            interval = max(1, microseconds / 2_000)
        }
        return SystemdNotifier(socketName: socket, watchdogIntervalMilliseconds: interval)
    }

    init?(socketName: String, watchdogIntervalMilliseconds: Int64?) {
        let name = Array(socketName.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !name.isEmpty, name.count < capacity, name[0] == UInt8(ascii: "/") || name[0] == UInt8(ascii: "@") else { return nil }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            for (index, byte) in name.enumerated() { path[index] = byte }
            // An abstract name starts with a NUL byte instead of the '@'.
            if name[0] == UInt8(ascii: "@") { path[0] = 0 }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        addressLength = socklen_t(pathOffset + name.count + (name[0] == UInt8(ascii: "@") ? 0 : 1))
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        self.watchdogIntervalMilliseconds = watchdogIntervalMilliseconds
    }

    deinit { close(descriptor) }

    /// Sends one datagram of newline-separated assignments; false if systemd could not be told.
    @discardableResult
    public func notify(_ assignments: String) -> Bool {
        let bytes = Array(assignments.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, addressLength) }
            }
        }
        return sent == bytes.count
    }

    /// Called from every tick of the decision loop: the watchdog keep-alive when due, and the
    /// status line when it changed.
    public func tick(nowMilliseconds: Int64, status: String) {
        var lines: [String] = []
        if let interval = watchdogIntervalMilliseconds,
            lastWatchdogMilliseconds.map({ nowMilliseconds - $0 >= interval }) ?? true
        {
            lines.append("WATCHDOG=1")
            lastWatchdogMilliseconds = nowMilliseconds
        }
        if status != lastStatus {
            lines.append("STATUS=\(status)")
            lastStatus = status
        }
        if !lines.isEmpty { notify(lines.joined(separator: "\n")) }
    }
}
