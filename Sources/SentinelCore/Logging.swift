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

/// One event, as `sentinelEvent` emits it: logged, published on the channel named `type`
/// (unless debug), and handed to the notification script when it is a warning with a master.
public struct SentinelEvent: Hashable, Sendable, CustomStringConvertible {
    public var level: LogLevel
    public var type: String
    public var message: String
    /// The master the event concerns, for the notification script.
    public var masterName: String?
    /// The election epoch an `+elected-leader` is for (its text does not say), for the checkers.
    public var epoch: Int64?

    public init(level: LogLevel, type: String, message: String, masterName: String? = nil, epoch: Int64? = nil) {
        self.level = level
        self.type = type
        self.message = message
        self.masterName = masterName
        self.epoch = epoch
    }

    public var description: String { "\(type) \(message)" }
    public var isPublished: Bool { level != .debug }
}

/// How log lines are written: Redis's text format, or one JSON object per line.
public enum LogFormat: String, Hashable, Sendable {
    case redis
    case json
}
