/// Redis's log levels, in order. `nothing` silences the log.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case debug = 0, verbose, notice, warning, nothing

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The mark in a Redis log line: `.` debug, `-` verbose, `*` notice, `#` warning.
    public var mark: Character {
        switch self {
        case .debug: return "."
        case .verbose: return "-"
        case .notice: return "*"
        case .warning, .nothing: return "#"
        }
    }

    public var name: String {
        switch self {
        case .debug: return "debug"
        case .verbose: return "verbose"
        case .notice: return "notice"
        case .warning: return "warning"
        case .nothing: return "nothing"
        }
    }

    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = level
    }
}

/// How log lines are written: Redis's text format, or one JSON object per line.
public enum LogFormat: String, Hashable, Sendable {
    case redis
    case json
}
