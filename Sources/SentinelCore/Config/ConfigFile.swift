/// Reads a sentinel config file as redis-sentinel does (§0, §2.1): generic directives as they come,
/// `sentinel` directives after the whole file, in three passes.
public enum ConfigFile {
    /// Changes the working directory for a `dir` directive; returns the reason it failed (strerror),
    /// or nil. Supplied by the shell: the core touches no files.
    public typealias ChangeDirectory = (String) -> String?

    /// The files an `include` line names: each path with its text, in the order they are read; or
    /// the reason they cannot be read. Supplied by the shell: the core touches no files.
    public typealias ReadInclude = (String) -> Result<[(path: String, text: String)], IncludeFailure>

    public struct IncludeFailure: Error {
        public var reason: String
        public init(reason: String) { self.reason = reason }
    }

    struct SentinelLine {
        var number: Int
        var text: String
        var words: [String]
    }

    /// What reading the main file and its included files collects besides the config.
    struct Reading {
        var sentinelLines: [SentinelLine] = []
        /// Rewrite keys (`port`, `sentinel announce-ip`...) of the main file and of included files.
        var mainKeys: Set<String> = []
        var includedKeys: Set<String> = []
        /// The first `user` line (number, text): Redis refuses any, the default user's too, with an aclfile.
        var firstUserLine: (Int, String)?
    }

    static let usersWithAclfile =
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both."

    /// Included files nested deeper than this are refused (an include loop would never end).
    static let includeDepthMax = 16

    /// Redis chdir()s at each `dir` line as it reads it, before any `sentinel` line is applied, so
    /// relative script paths are checked against the final `dir`; `changeDirectory` does the same.
    /// `include` lines read the files `readInclude` gives in place (refused when it is nil).
    public static func parse(
        _ text: String, changeDirectory: ChangeDirectory? = nil, readInclude: ReadInclude? = nil
    ) throws(ConfigError) -> SentinelConfig {
        var config = SentinelConfig()
        var reading = Reading()
        try read(text, depth: 0, into: &config, &reading, changeDirectory, readInclude)
        for pass in SentinelDirectives.Pass.allCases {
            for line in reading.sentinelLines where SentinelDirectives.pass(of: line.words[0]) == pass {
                if let reason = SentinelDirectives.apply(line.words, to: &config) {
                    throw ConfigError(line: line.number, text: line.text, reason: reason)
                }
            }
        }
        if config.aclfile != nil, let (number, text) = reading.firstUserLine {
            throw ConfigError(line: number, text: text, reason: usersWithAclfile)
        }
        // The default user that requirepass makes is implied too; the rewrite writes it back itself.
        if let password = config.requirepass {
            config.users.removeAll { $0 == ConfigRewriter.defaultUserArguments(requirepass: password) }
        }
        config.includeOwnedKeys = reading.includedKeys.subtracting(reading.mainKeys)
        // The default percentiles are what the rewrite writes anyway.
        config.otherDirectives.removeAll { $0.key == KnownDirectives.percentilesKey && $0.arguments == KnownDirectives.defaultPercentiles }
        return config
    }

    private static func read(
        _ text: String, depth: Int, into config: inout SentinelConfig, _ reading: inout Reading,
        _ changeDirectory: ChangeDirectory?, _ readInclude: ReadInclude?
    ) throws(ConfigError) {
        var number = 0
        // Swift reads "\r\n" as one Character: lines end at either.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            let trimmed = trimmedLine(rawLine)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let words = ConfigLine.split(trimmed) else {
                throw ConfigError(line: number, text: String(trimmed), reason: "Unbalanced quotes in configuration line")
            }
            guard let first = words.first else { continue }
            if let key = ConfigRewriter.key(of: words) {
                if depth == 0 { reading.mainKeys.insert(key) } else { reading.includedKeys.insert(key) }
            }
            if depth > 0, let reason = IncludedDirectives.refusal(words) {
                throw ConfigError(line: number, text: String(trimmed), reason: reason)
            }
            if first.lowercased() == "sentinel" {
                if words.count > 1 {
                    reading.sentinelLines.append(SentinelLine(number: number, text: String(trimmed), words: Array(words.dropFirst())))
                }
                continue
            }
            if first.lowercased() == "include" {
                guard words.count == 2 else {
                    throw ConfigError(line: number, text: String(trimmed), reason: "Bad directive or wrong number of arguments")
                }
                if depth == 0 { config.includes.append(String(trimmed)) }
                try include(words[1], depth: depth, line: number, text: String(trimmed), into: &config, &reading, changeDirectory, readInclude)
                continue
            }
            if first.lowercased() == "user" && reading.firstUserLine == nil { reading.firstUserLine = (number, String(trimmed)) }
            if let reason = applyGeneric(first.lowercased(), Array(words.dropFirst()), to: &config)
                ?? changeDirectoryIfDir(first, words, changeDirectory) {
                throw ConfigError(line: number, text: String(trimmed), reason: reason)
            }
        }
    }

    /// Reads the files of one `include` line in place, as Redis does (glob patterns allowed).
    private static func include(
        _ pattern: String, depth: Int, line: Int, text: String, into config: inout SentinelConfig, _ reading: inout Reading,
        _ changeDirectory: ChangeDirectory?, _ readInclude: ReadInclude?
    ) throws(ConfigError) {
        guard let readInclude else {
            throw ConfigError(line: line, text: text, reason: "include is not supported here")
        }
        guard depth < includeDepthMax else {
            throw ConfigError(line: line, text: text, reason: "Included files nest more than \(includeDepthMax) deep; is a file including itself?")
        }
        switch readInclude(pattern) {
        case .failure(let failure):
            throw ConfigError(line: line, text: text, reason: failure.reason)
        case .success(let files):
            for file in files {
                try read(file.text, depth: depth + 1, into: &config, &reading, changeDirectory, readInclude)
            }
        }
    }

    /// A line as Redis reads it (sdstrim with " \t\r\n"): what an error shows, and what the rewrite
    /// writes back for a line it keeps.
    static func trimmedLine(_ line: Substring) -> Substring {
        func isTrimmed(_ character: Character) -> Bool { character == " " || character == "\t" || character == "\r" || character == "\r\n" }
        guard let first = line.firstIndex(where: { !isTrimmed($0) }), let last = line.lastIndex(where: { !isTrimmed($0) }) else { return "" }
        return line[first...last]
    }

    private static func changeDirectoryIfDir(_ key: String, _ words: [String], _ change: ChangeDirectory?) -> String? {
        guard let change, key.lowercased() == "dir", words.count == 2 else { return nil }
        return change(words[1])
    }

    static func yesNo(_ value: String, _ set: (Bool) -> Void) -> String? {
        switch value.lowercased() {
        case "yes": set(true)
        case "no": set(false)
        default: return KnownDirectives.notYesNo
        }
        return nil
    }

    /// Applies one generic directive; returns Redis's error text when it is wrong.
    static func applyGeneric(_ key: String, _ arguments: [String], to config: inout SentinelConfig) -> String? {
        switch key {
        case "user":
            guard !arguments.isEmpty else { return KnownDirectives.badDirective }
            // The default user as Redis starts it is implied; the rewrite writes it back itself.
            if arguments != ConfigRewriter.defaultUserArguments(requirepass: nil) { config.users.append(arguments) }
            return nil
        case "rename-command":
            guard arguments.count == 2 else { return KnownDirectives.badDirective }
            return RefusedDirectives.refusal(key, arguments)
        case "bind":
            let addresses = KnownDirectives.splitSingle(arguments)
            guard addresses.count <= KnownDirectives.bindAddressesMax else { return "Too many bind addresses specified." }
            // A single empty argument is no address, as in Redis.
            config.bind = addresses == [""] ? [] : addresses
            return nil
        case "client-output-buffer-limit":
            return ClientDirectives.apply(key, KnownDirectives.splitSingle(arguments), to: &config)
        default:
            break
        }
        if let kind = KnownDirectives.kept[key] { return keep(key, kind, arguments, in: &config) }
        guard KnownDirectives.actedSingle.contains(key) else { return KnownDirectives.badDirective }
        guard arguments.count == 1 else { return KnownDirectives.wrongArgumentCount }
        return applySingle(key, arguments[0], to: &config)
    }

    private static func applySingle(_ key: String, _ value: String, to config: inout SentinelConfig) -> String? {
        switch key {
        case "port":
            guard let port = CNumbers.string2ll(value) else { return KnownDirectives.notInteger }
            guard (0...65535).contains(port) else { return "argument must be between 0 and 65535 inclusive" }
            config.port = Int(port)
        case "dir": config.dir = value
        case "logfile": config.logfile = value
        case "loglevel":
            guard let level = LogLevel(name: value) else { return KnownDirectives.oneOf(["debug", "verbose", "notice", "warning"]) }
            config.loglevel = level
        case "pidfile": config.pidfile = value.isEmpty ? nil : value
        case "requirepass": config.requirepass = value.isEmpty ? nil : value
        case "aclfile": config.aclfile = value.isEmpty ? nil : value
        case "protected-mode": return yesNo(value) { config.protectedMode = $0 }
        case "daemonize": return yesNo(value) { config.daemonize = $0 }
        case "maxclients", "timeout": return ClientDirectives.apply(key, [value], to: &config)
        case "vigil-http-port":
            guard let port = Int(value), (0...65535).contains(port) else { return "argument must be between 0 and 65535 inclusive" }
            config.httpPort = port
        case "vigil-log-format":
            guard let format = LogFormat(rawValue: value.lowercased()) else { return "argument must be 'redis' or 'json'" }
            config.logFormat = format
        case "vigil-http-bind":
            guard !value.isEmpty else { return KnownDirectives.badDirective }
            config.httpBind = value
        default:
            return KnownDirectives.badDirective
        }
        return nil
    }

    /// A directive Vigil keeps in the file without acting on it, checked as Redis checks it.
    private static func keep(_ key: String, _ kind: KnownDirectives.Kind, _ arguments: [String], in config: inout SentinelConfig) -> String? {
        var arguments = arguments
        if case .multiple = kind { arguments = KnownDirectives.splitSingle(arguments) }
        if let reason = KnownDirectives.refusal(key, kind, arguments) ?? RefusedDirectives.refusal(key, arguments) { return reason }
        // Sentinel never saves and its rewrite drops every `save` line.
        if key == "save" { return nil }
        // One value, as in Redis: the last line's wins, and the rewrite writes it where the first line
        // was, so the entry keeps the first line's place (`parse` drops it if it ends at the default).
        if key == KnownDirectives.percentilesKey, let index = config.otherDirectives.firstIndex(where: { $0.key == key }) {
            config.otherDirectives[index].arguments = arguments
            return nil
        }
        config.otherDirectives.append(GenericDirective(key: key, arguments: arguments))
        return nil
    }
}
