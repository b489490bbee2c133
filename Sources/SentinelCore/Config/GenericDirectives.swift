/// The generic (non-`sentinel`) directives: the ones Vigil acts on go into `SentinelConfig` fields,
/// the others Redis accepts are kept as `GenericDirective`s and written back, and anything else is
/// "Bad directive or wrong number of arguments", with redis-server 7.0.15's messages throughout.
enum GenericDirectives {
    /// How Redis's standard config table validates a directive Vigil keeps but does not act on.
    enum Kind {
        /// Exactly one argument, any text.
        case single
        case yesNo
        case integer
        /// One of the listed words (case-insensitive), listed in Redis's order for the error text.
        case oneOf([String])
        /// Any number of arguments (MULTI_ARG_CONFIG); a single argument is split again.
        case multiple
    }

    static let badDirective = "Bad directive or wrong number of arguments"
    static let wrongArgumentCount = "wrong number of arguments"
    static let notYesNo = "argument must be 'yes' or 'no'"
    static let notInteger = "argument couldn't be parsed into an integer"
    static let defaultPercentiles = ["50", "99", "99.9"]
    /// redis.h CONFIG_BINDADDR_MAX: more bind addresses than this is a config error.
    static let bindAddressesMax = 16

    static let kept: [String: Kind] = {
        var table: [String: Kind] = [:]
        for key in [
            "aclfile", "unixsocket", "unixsocketperm", "syslog-ident", "syslog-facility", "proc-title-template", "supervised",
            "tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file", "tls-client-key-file",
            "tls-client-key-file-pass", "tls-dh-params-file", "tls-ca-cert-file", "tls-ca-cert-dir", "tls-protocols",
            "tls-ciphers", "tls-ciphersuites", "tls-auth-clients", "client-query-buffer-limit", "proto-max-bulk-len",
            "maxmemory", "maxmemory-policy", "bind-source-addr", "oom-score-adj", "acl-pubsub-default",
        ] { table[key] = .single }
        for key in [
            "dynamic-hz", "activerehashing", "always-show-logo", "set-proc-title", "crash-log-enabled",
            "crash-memcheck-enabled", "syslog-enabled", "io-threads-do-reads", "tls-replication", "tls-cluster",
            "tls-prefer-server-ciphers", "tls-session-caching", "lazyfree-lazy-user-flush", "jemalloc-bg-thread",
            "latency-tracking", "appendonly", "disable-thp",
        ] { table[key] = .yesNo }
        for key in [
            "hz", "maxclients", "timeout", "tcp-keepalive", "tcp-backlog", "databases", "io-threads", "tls-port",
            "acllog-max-len", "slowlog-max-len", "latency-monitor-threshold", "repl-diskless-sync-delay",
            "shutdown-timeout", "tls-session-cache-size", "tls-session-cache-timeout", "slowlog-log-slower-than",
            "socket-mark-id",
        ] { table[key] = .integer }
        for key in ["enable-debug-command", "enable-protected-configs", "enable-module-command"] {
            table[key] = .oneOf(["no", "yes", "local"])
        }
        for key in [
            "latency-tracking-info-percentiles", "client-output-buffer-limit", "oom-score-adj-values",
            "shutdown-on-sigint", "shutdown-on-sigterm", "save",
        ] { table[key] = .multiple }
        return table
    }()

    /// Directives read outside Redis's standard config table, with their own argument counts.
    static let special: Set<String> = ["user", "include", "rename-command", "sentinel"]

    static let acted: Set<String> = [
        "port", "bind", "dir", "logfile", "loglevel", "pidfile", "requirepass", "protected-mode", "daemonize",
    ]

    /// Whether the rewrite treats a line with this (lower-cased) key as a directive, not as "# ???".
    static func isKnown(_ key: String) -> Bool {
        acted.contains(key) || kept[key] != nil || special.contains(key)
    }

    /// Applies one generic directive; returns Redis's error text when it is wrong.
    static func apply(_ key: String, _ arguments: [String], to config: inout SentinelConfig) -> String? {
        if acted.contains(key) { return applyActed(key, arguments, to: &config) }
        switch key {
        case "user": return arguments.isEmpty ? badDirective : keep(key, arguments, &config)
        case "include": return arguments.count == 1 ? keep(key, arguments, &config) : badDirective
        case "rename-command": return arguments.count == 2 ? keep(key, arguments, &config) : badDirective
        default: break
        }
        guard let kind = kept[key] else { return badDirective }
        if case .multiple = kind { return applyMultiple(key, splitSingle(arguments), to: &config) }
        guard arguments.count == 1 else { return wrongArgumentCount }
        let value = arguments[0]
        switch kind {
        case .yesNo: guard yesNo(value) != nil else { return notYesNo }
        case .integer: guard CNumbers.string2ll(value) != nil else { return notInteger }
        case .oneOf(let words):
            guard words.contains(value.lowercased()) else { return oneOfError(words) }
        case .single, .multiple: break
        }
        return keep(key, arguments, &config)
    }

    private static func keep(_ key: String, _ arguments: [String], _ config: inout SentinelConfig) -> String? {
        config.otherDirectives.append(GenericDirective(key: key, arguments: arguments))
        return nil
    }

    /// MULTI_ARG configs given one non-empty argument split it again (`bind "a b"` is two addresses).
    static func splitSingle(_ arguments: [String]) -> [String] {
        guard arguments.count == 1, !arguments[0].isEmpty, let words = ConfigLine.split(Substring(arguments[0])) else {
            return arguments
        }
        return words
    }

    private static func applyMultiple(_ key: String, _ arguments: [String], to config: inout SentinelConfig) -> String? {
        switch key {
        case "save":
            // Sentinel mode never saves, and its rewrite drops every `save` line.
            return nil
        case "latency-tracking-info-percentiles":
            let valid = arguments.allSatisfy { Double($0).map { (0...100).contains($0) } ?? false }
            guard valid else { return "Invalid latency-tracking-info-percentiles parameters" }
            // The default is what the rewrite writes anyway; only a different choice is kept.
            return arguments == defaultPercentiles ? nil : keep(key, arguments, &config)
        default:
            return keep(key, arguments, &config)
        }
    }

    private static func applyActed(_ key: String, _ arguments: [String], to config: inout SentinelConfig) -> String? {
        if key == "bind" {
            let addresses = splitSingle(arguments)
            guard addresses.count <= bindAddressesMax else { return "Too many bind addresses specified." }
            config.bind = addresses
            return nil
        }
        guard arguments.count == 1 else { return wrongArgumentCount }
        let value = arguments[0]
        switch key {
        case "port":
            guard let port = CNumbers.string2ll(value) else { return notInteger }
            guard (0...65535).contains(port) else { return "argument must be between 0 and 65535 inclusive" }
            config.port = Int(port)
        case "dir": config.dir = value
        case "logfile": config.logfile = value
        case "loglevel":
            // 7.2's `nothing` is accepted too; the error text stays 7.0.15's.
            guard let level = LogLevel(name: value) else { return oneOfError(["debug", "verbose", "notice", "warning"]) }
            config.loglevel = level
        case "pidfile": config.pidfile = value.isEmpty ? nil : value
        case "requirepass": config.requirepass = value.isEmpty ? nil : value
        case "protected-mode":
            guard let flag = yesNo(value) else { return notYesNo }
            config.protectedMode = flag
        case "daemonize":
            guard let flag = yesNo(value) else { return notYesNo }
            config.daemonize = flag
        default: return badDirective
        }
        return nil
    }

    static func yesNo(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "yes": return true
        case "no": return false
        default: return nil
        }
    }

    static func oneOfError(_ words: [String]) -> String {
        "argument(s) must be one of the following: " + words.joined(separator: ", ")
    }
}
