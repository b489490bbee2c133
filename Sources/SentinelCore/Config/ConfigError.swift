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

/// Generic Redis directives Vigil accepts and keeps in the file without acting on them.
enum KnownDirectives {
    static let kept: Set<String> = [
        "user", "aclfile", "acllog-max-len", "acl-pubsub-default", "enable-debug-command", "enable-protected-configs",
        "enable-module-command", "hz", "dynamic-hz", "tcp-keepalive", "tcp-backlog", "supervised",
        "latency-tracking-info-percentiles", "latency-tracking", "syslog-enabled", "syslog-ident", "syslog-facility",
        "unixsocket", "unixsocketperm", "always-show-logo", "set-proc-title", "proc-title-template", "crash-log-enabled",
        "crash-memcheck-enabled", "oom-score-adj", "oom-score-adj-values", "disable-thp", "io-threads", "io-threads-do-reads",
        "repl-diskless-sync-delay", "save", "appendonly", "tls-port", "tls-cert-file", "tls-key-file", "tls-key-file-pass",
        "tls-client-cert-file", "tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file", "tls-ca-cert-file",
        "tls-ca-cert-dir", "tls-auth-clients", "tls-replication", "tls-cluster", "tls-protocols", "tls-ciphers",
        "tls-ciphersuites", "tls-prefer-server-ciphers", "tls-session-caching", "tls-session-cache-size",
        "tls-session-cache-timeout", "client-query-buffer-limit", "proto-max-bulk-len",
        "databases", "locale-collate", "shutdown-timeout", "shutdown-on-sigint", "shutdown-on-sigterm", "rename-command",
        "include", "lazyfree-lazy-user-flush", "jemalloc-bg-thread", "activerehashing", "maxmemory", "maxmemory-policy",
        "socket-mark-id", "bind-source-addr", "slowlog-log-slower-than", "slowlog-max-len", "latency-monitor-threshold",
    ]
}
