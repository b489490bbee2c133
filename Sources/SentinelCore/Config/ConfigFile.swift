/// Reads a sentinel config file as redis-sentinel does (§0, §2.1): generic directives as they come,
/// `sentinel` directives after the whole file, in three passes.
public enum ConfigFile {
    /// Changes the working directory for a `dir` directive; returns the reason it failed (strerror),
    /// or nil. Supplied by the shell: the core touches no files.
    public typealias ChangeDirectory = (String) -> String?

    struct SentinelLine {
        var number: Int
        var text: String
        var words: [String]
    }

    /// Redis chdir()s at each `dir` line as it reads it, before any `sentinel` line is applied, so
    /// relative script paths are checked against the final `dir`; `changeDirectory` does the same.
    public static func parse(_ text: String, changeDirectory: ChangeDirectory? = nil) throws(ConfigError) -> SentinelConfig {
        var config = SentinelConfig()
        var sentinelLines: [SentinelLine] = []
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = rawLine
            if line.last == "\r" { line = line.dropLast() }
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let words = ConfigLine.split(trimmed) else {
                throw ConfigError(line: number, text: String(trimmed), reason: "Unbalanced quotes in configuration line")
            }
            guard let first = words.first else { continue }
            if first.lowercased() == "sentinel" {
                if words.count > 1 { sentinelLines.append(SentinelLine(number: number, text: String(trimmed), words: Array(words.dropFirst()))) }
                continue
            }
            if let reason = applyGeneric(first.lowercased(), Array(words.dropFirst()), to: &config)
                ?? changeDirectoryIfDir(first, words, changeDirectory) {
                throw ConfigError(line: number, text: String(trimmed), reason: reason)
            }
        }
        for pass in SentinelDirectives.Pass.allCases {
            for line in sentinelLines where SentinelDirectives.pass(of: line.words[0]) == pass {
                if let reason = SentinelDirectives.apply(line.words, to: &config) {
                    throw ConfigError(line: line.number, text: line.text, reason: reason)
                }
            }
        }
        return config
    }

    private static func changeDirectoryIfDir(_ key: String, _ words: [String], _ change: ChangeDirectory?) -> String? {
        guard let change, key.lowercased() == "dir", words.count == 2 else { return nil }
        return change(words[1])
    }

    static func yesNo(_ arguments: [String], _ set: (Bool) -> Void) -> String? {
        guard arguments.count == 1 else { return "wrong number of arguments" }
        switch arguments[0].lowercased() {
        case "yes": set(true)
        case "no": set(false)
        default: return "argument must be 'yes' or 'no'"
        }
        return nil
    }

    /// Applies one generic directive; returns Redis's error text when it is wrong.
    static func applyGeneric(_ key: String, _ arguments: [String], to config: inout SentinelConfig) -> String? {
        let bad = "Bad directive or wrong number of arguments"
        func single() -> String? { arguments.count == 1 ? arguments[0] : nil }
        switch key {
        case "port":
            guard let value = single() else { return bad }
            guard let port = Int(value), (0...65535).contains(port) else { return "argument must be between 0 and 65535 inclusive" }
            config.port = port
        case "bind":
            guard !arguments.isEmpty, arguments.count <= 16 else { return bad }
            config.bind = arguments
        case "dir":
            guard let value = single() else { return bad }
            config.dir = value
        case "logfile":
            guard let value = single() else { return bad }
            config.logfile = value
        case "loglevel":
            guard let value = single() else { return bad }
            guard let level = LogLevel(name: value) else {
                return "argument(s) must be one of the following: debug, verbose, notice, warning"
            }
            config.loglevel = level
        case "pidfile":
            guard let value = single() else { return bad }
            config.pidfile = value.isEmpty ? nil : value
        case "requirepass":
            guard let value = single() else { return bad }
            config.requirepass = value.isEmpty ? nil : value
        case "vigil-http-port":
            guard let value = single() else { return bad }
            guard let port = Int(value), (0...65535).contains(port) else { return "argument must be between 0 and 65535 inclusive" }
            config.httpPort = port
        case "user":
            guard !arguments.isEmpty else { return bad }
            // The default user as Redis starts it is implied; the rewrite writes it back itself.
            if arguments != ConfigRewriter.defaultUserArguments { config.users.append(arguments) }
        case "vigil-log-format":
            guard let value = single() else { return bad }
            guard let format = LogFormat(rawValue: value.lowercased()) else { return "argument must be 'redis' or 'json'" }
            config.logFormat = format
        case "vigil-http-bind":
            guard let value = single(), !value.isEmpty else { return bad }
            config.httpBind = value
        case "protected-mode":
            return yesNo(arguments) { config.protectedMode = $0 }
        case "daemonize":
            return yesNo(arguments) { config.daemonize = $0 }
        case "maxclients", "timeout", "client-output-buffer-limit":
            return ClientDirectives.apply(key, arguments, to: &config)
        default:
            guard KnownDirectives.kept.contains(key), !arguments.isEmpty else { return bad }
            // Written back as it was, except the lines the rewrite produces itself.
            if key != "latency-tracking-info-percentiles" && arguments != ConfigRewriter.defaultUserArguments {
                config.otherDirectives.append(GenericDirective(key: key, arguments: arguments))
            }
        }
        return nil
    }
}
