/// Reads and rewrites a sentinel config file as redis-sentinel 7.0.15 does (§0, §2.1, §2.2):
/// generic directives as they come, `sentinel` directives after the whole file in three passes,
/// and an in-place rewrite (ConfigFile+Rewrite.swift).
public enum ConfigFile {
    struct SentinelLine {
        var number: Int
        var text: String
        /// The words after `sentinel`.
        var words: [String]
    }

    /// Parses `text`. `resolveHostname` is asked about a host that is not a numeric IP when
    /// `sentinel resolve-hostnames yes` is set; answering false rejects the line with
    /// "Can't resolve instance hostname." (the core does no I/O, so the caller resolves).
    public static func parse(
        _ text: String, resolveHostname: (String) -> Bool = { _ in false }
    ) throws(ConfigError) -> SentinelConfig {
        var config = SentinelConfig()
        var sentinelLines: [SentinelLine] = []
        for (index, rawLine) in lines(of: text).enumerated() {
            let number = index + 1
            let line = trimmed(rawLine)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let words = ConfigLine.split(line[...]) else {
                throw ConfigError(line: number, text: line, reason: "Unbalanced quotes in configuration line")
            }
            guard let first = words.first else { continue }
            let key = first.lowercased()
            if key == "sentinel" {
                // A bare `sentinel` line only selects sentinel mode.
                if words.count > 1 { sentinelLines.append(SentinelLine(number: number, text: line, words: Array(words.dropFirst()))) }
                continue
            }
            if let reason = GenericDirectives.apply(key, Array(words.dropFirst()), to: &config) {
                throw ConfigError(line: number, text: line, reason: reason)
            }
        }
        try withoutActuallyEscaping(resolveHostname) { (resolve) throws(ConfigError) in
            try applySentinelLines(sentinelLines, to: &config, SentinelDirectives.Context(resolveHostname: resolve))
        }
        // The default user's line is derived from requirepass on every rewrite; keeping it too would double it.
        config.otherDirectives.removeAll { $0.key == "user" && $0.arguments == defaultUserArguments(requirepass: config.requirepass) }
        config.otherDirectives.removeAll { $0.key == "user" && $0.arguments == defaultUserArguments(requirepass: nil) }
        return config
    }

    /// Redis's three passes over the queued `sentinel` lines: globals, then monitors, then the rest.
    private static func applySentinelLines(
        _ lines: [SentinelLine], to config: inout SentinelConfig, _ context: SentinelDirectives.Context
    ) throws(ConfigError) {
        for pass in SentinelDirectives.Pass.allCases {
            for line in lines where SentinelDirectives.pass(of: line.words[0]) == pass {
                if let reason = SentinelDirectives.apply(line.words, to: &config, context) {
                    throw ConfigError(line: line.number, text: line.text, reason: reason)
                }
            }
        }
    }

    /// Redis splits the file on "\n" only (a final empty piece after the last newline included).
    /// Split by scalars, not Characters: Swift reads "\r\n" as one Character.
    static func lines(of text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
    }

    /// sdstrim(line, " \t\r\n"): Redis trims both ends of every line before reading or rewriting it.
    static func trimmed(_ line: String) -> String {
        let scalars = line.unicodeScalars
        let isTrimmed: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let start = scalars.firstIndex(where: { !isTrimmed($0) }), let end = scalars.lastIndex(where: { !isTrimmed($0) }) else {
            return ""
        }
        return String(scalars[start...end])
    }
}
