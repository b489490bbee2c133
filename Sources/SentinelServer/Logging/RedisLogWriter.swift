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
    private let formatter: DateFormatter

    /// `logfile` as in the config: empty means standard output.
    private let isoFormatter: ISO8601DateFormatter

    public init(logfile: String, level: LogLevel, format: LogFormat = .redis) {
        path = logfile.isEmpty ? nil : logfile
        self.level = level
        self.format = format
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "dd MMM yyyy HH:mm:ss.SSS"
        isoFormatter = ISO8601DateFormatter()
        isoFormatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
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
            return "\(pid):X \(lock.withLock { formatter.string(from: Date()) }) \(messageLevel.mark) \(message)\n"
        case .json:
            var fields = [
                ("time", Self.jsonString(lock.withLock { isoFormatter.string(from: Date()) })), ("pid", "\(pid)"),
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
