import Foundation
import SentinelCore

/// Writes log lines in Redis's format, `<pid>:X <dd Mon yyyy hh:mm:ss.mmm> <mark> <message>`, to the
/// logfile (opened for each line, as Redis does, so rotation works and no descriptor stays open) or to stdout.
public final class RedisLogWriter: @unchecked Sendable {
    private let path: String?
    private let lock = NSLock()
    public var minimumLevel: LogLevel {
        get { lock.withLock { level } }
        set { lock.withLock { level = newValue } }
    }
    private var level: LogLevel
    private let pid = getpid()
    private let formatter: DateFormatter

    /// `logfile` as in the config: empty means standard output.
    public init(logfile: String, level: LogLevel) {
        path = logfile.isEmpty ? nil : logfile
        self.level = level
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "dd MMM yyyy HH:mm:ss.SSS"
    }

    public func log(_ messageLevel: LogLevel, _ message: String) {
        guard messageLevel >= minimumLevel, minimumLevel != .nothing else { return }
        let line = "\(pid):X \(lock.withLock { formatter.string(from: Date()) }) \(messageLevel.mark) \(message)\n"
        write(line)
    }

    private func write(_ line: String) {
        guard let path else {
            FileHandle.standardOutput.write(Data(line.utf8))
            return
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        line.utf8CString.withUnsafeBufferPointer { buffer in
            _ = Foundation.write(fd, buffer.baseAddress, buffer.count - 1)
        }
    }
}
