/// A config file error, reported as Redis reports it before exiting with status 1.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    public var text: String
    public var reason: String

    public init(line: Int, text: String, reason: String) {
        self.line = line
        self.text = text
        self.reason = reason
    }

    public var fatalReport: String {
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line \(line)\n>>> '\(text)'\n\(reason)\n"
    }

    public var description: String { fatalReport }
}
