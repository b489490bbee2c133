import Foundation
import SentinelCore

/// Writes log lines in Redis's format, `<pid>:X <dd Mon yyyy hh:mm:ss.mmm> <mark> <message>`, or as
/// JSON lines (`vigil-log-format json`) for log pipelines, to the logfile (opened for each line, as
/// Redis does, so rotation works and no descriptor stays open) or to stdout.
public final class RedisLogWriter: @unchecked Sendable {
    private let path: String?
    private let format: LogFormat
    private let lock = NSLock()
    public var minimumLevel: LogLevel {
        get { lock.withLock { level } }
        set { lock.withLock { level = newValue } }
    }
    private var level: LogLevel
    private let pid = getpid()

    /// `logfile` as in the config: empty means standard output.
    public init(logfile: String, level: LogLevel, format: LogFormat = .redis) {
        path = logfile.isEmpty ? nil : logfile
        self.level = level
        self.format = format
    }

    // The timestamps come from the C library (localtime_r, gmtime_r), as Redis's do: Foundation's
    // DateFormatter loads ICU and its data, several MB of the daemon's resident memory, to print
    // a fixed English format.
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func wallClock() -> (seconds: time_t, milliseconds: Int) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return (now.tv_sec, Int(now.tv_nsec / 1_000_000))
    }

    /// `dd Mon yyyy hh:mm:ss.mmm` in local time, as Redis's logs.
    static func redisTimestamp() -> String {
        var (seconds, milliseconds) = wallClock()
        var parts = tm()
        localtime_r(&seconds, &parts)
        return "\(padded(Int(parts.tm_mday), 2)) \(monthNames[Int(parts.tm_mon)]) \(padded(Int(parts.tm_year) + 1900, 4)) "
            + "\(padded(Int(parts.tm_hour), 2)):\(padded(Int(parts.tm_min), 2)):\(padded(Int(parts.tm_sec), 2)).\(padded(milliseconds, 3))"
    }

    /// RFC 3339 in UTC with milliseconds (`2026-12-04T04:30:00.123Z`).
    static func isoTimestamp() -> String {
        var (seconds, milliseconds) = wallClock()
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return "\(padded(Int(parts.tm_year) + 1900, 4))-\(padded(Int(parts.tm_mon) + 1, 2))-\(padded(Int(parts.tm_mday), 2))T"
            + "\(padded(Int(parts.tm_hour), 2)):\(padded(Int(parts.tm_min), 2)):\(padded(Int(parts.tm_sec), 2)).\(padded(milliseconds, 3))Z"
    }

    public func log(_ messageLevel: LogLevel, _ message: String) {
        guard messageLevel >= minimumLevel, minimumLevel != .nothing else { return }
        write(line(messageLevel, message, event: nil))
    }

    /// An event of the core: in JSON its type and master are fields of their own.
    public func log(_ event: SentinelEvent) {
        guard event.level >= minimumLevel, minimumLevel != .nothing else { return }
        write(line(event.level, event.description, event: event))
    }

    func line(_ messageLevel: LogLevel, _ message: String, event: SentinelEvent?) -> String {
        switch format {
        case .redis:
            return "\(pid):X \(Self.redisTimestamp()) \(messageLevel.mark) \(message)\n"
        case .json:
            var fields = [
                ("time", Self.jsonString(Self.isoTimestamp())), ("pid", "\(pid)"),
                ("level", Self.jsonString(messageLevel.name)), ("message", Self.jsonString(message)),
            ]
            if let event {
                fields.append(("event", Self.jsonString(event.type)))
                fields.append(("detail", Self.jsonString(event.message)))
                if let master = event.masterName { fields.append(("master", Self.jsonString(master))) }
            }
            return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}\n"
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20:
                result += "\\u" + String(repeating: "0", count: 4 - String(control.value, radix: 16).count) + String(control.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
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
