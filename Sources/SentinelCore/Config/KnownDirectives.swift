/// The generic (non-`sentinel`) directives redis-server 7.0.15 reads, with the argument counts and
/// checks of its config table: the ones Vigil acts on (`ConfigFile.applyGeneric`), and the ones it
/// keeps in the file without acting on them.
enum KnownDirectives {
    /// How Redis's config table checks a directive Vigil keeps but does not act on.
    enum Kind {
        /// Exactly one argument, any text.
        case single
        case yesNo
        case integer
        /// One of the listed words (any case), in Redis's order for the error text.
        case oneOf([String])
        /// Any number of arguments (MULTI_ARG_CONFIG); a single non-empty argument is split again.
        case multiple
    }

    static let badDirective = "Bad directive or wrong number of arguments"
    static let wrongArgumentCount = "wrong number of arguments"
    static let notYesNo = "argument must be 'yes' or 'no'"
    static let notInteger = "argument couldn't be parsed into an integer"
    static let percentilesKey = "latency-tracking-info-percentiles"
    static let defaultPercentiles = ["50", "99", "99.9"]
    /// redis.h CONFIG_BINDADDR_MAX: more bind addresses than this is a config error.
    static let bindAddressesMax = 16

    /// Directives of Redis's config table that take one argument and that Vigil acts on (plus
    /// Vigil's own); a line with another count is "wrong number of arguments".
    static let actedSingle: Set<String> = [
        "port", "dir", "logfile", "loglevel", "pidfile", "requirepass", "aclfile", "protected-mode", "daemonize",
        "maxclients", "timeout", "vigil-http-port", "vigil-http-bind", "vigil-log-format",
    ]
    /// Read outside the single-argument rule: multi-argument ones Vigil acts on, and the directives
    /// Redis reads outside its config table, each with its own count.
    static let actedOther: Set<String> = ["bind", "client-output-buffer-limit", "user", "include", "rename-command"]

    static let kept: [String: Kind] = {
        var table: [String: Kind] = [:]
        for key in [
            "unixsocket", "unixsocketperm", "syslog-ident", "syslog-facility", "proc-title-template", "supervised",
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
            "hz", "tcp-keepalive", "tcp-backlog", "databases", "io-threads", "tls-port", "acllog-max-len",
            "slowlog-max-len", "latency-monitor-threshold", "repl-diskless-sync-delay", "shutdown-timeout",
            "tls-session-cache-size", "tls-session-cache-timeout", "slowlog-log-slower-than", "socket-mark-id",
        ] { table[key] = .integer }
        for key in ["enable-debug-command", "enable-protected-configs", "enable-module-command"] {
            table[key] = .oneOf(["no", "yes", "local"])
        }
        for key in ["latency-tracking-info-percentiles", "oom-score-adj-values", "shutdown-on-sigint", "shutdown-on-sigterm", "save"] {
            table[key] = .multiple
        }
        return table
    }()

    /// Whether the rewrite treats a line with this (lower-cased) key as a directive, not as "# ???".
    static func isKnown(_ key: String) -> Bool {
        actedSingle.contains(key) || actedOther.contains(key) || kept[key] != nil
    }

    /// Whether the rewrite owns every line of this key, so that lines it no longer writes are
    /// removed. Redis leaves `include` and `rename-command` lines as they are.
    static func isProcessed(_ key: String) -> Bool {
        isKnown(key) && key != "include" && key != "rename-command"
    }

    /// MULTI_ARG configs given one non-empty argument split it again (`bind "a b"` is two addresses).
    static func splitSingle(_ arguments: [String]) -> [String] {
        guard arguments.count == 1, !arguments[0].isEmpty, let words = ConfigLine.split(Substring(arguments[0])) else {
            return arguments
        }
        return words
    }

    /// Redis's error text for a kept directive's arguments (split again first when `kind` is
    /// `.multiple`), or nil when its config table accepts them.
    static func refusal(_ key: String, _ kind: Kind, _ arguments: [String]) -> String? {
        let value = arguments.first ?? ""
        switch kind {
        case .multiple:
            let percentiles = arguments.allSatisfy { Double($0).map { (0...100).contains($0) } ?? false }
            return key == "latency-tracking-info-percentiles" && !percentiles ? "Invalid latency-tracking-info-percentiles parameters" : nil
        case _ where arguments.count != 1: return wrongArgumentCount
        case .yesNo: return ["yes", "no"].contains(value.lowercased()) ? nil : notYesNo
        case .integer: return CNumbers.string2ll(value) == nil ? notInteger : nil
        case .oneOf(let words): return words.contains(value.lowercased()) ? nil : oneOf(words)
        case .single: return nil
        }
    }

    static func oneOf(_ words: [String]) -> String {
        "argument(s) must be one of the following: " + words.joined(separator: ", ")
    }
}
