extension ConfigFile {
    /// The file's new text: `existing` rewritten in place to say what `config` says, as
    /// redis-sentinel's `sentinelFlushConfig` would write it (§2.2).
    public static func rewrite(existing: String, with config: SentinelConfig) -> String {
        var rewriter = ConfigRewriter(existing: existing)
        rewriteGeneric(config, &rewriter)
        rewriteSentinel(config, &rewriter)
        return rewriter.content()
    }

    /// redis-server's port default: the rewrite compares with it, not with sentinel's 26379, so
    /// Redis writes `port 26379` in every sentinel file.
    static let serverDefaultPort = 6379
    static let latencyPercentilesKey = "latency-tracking-info-percentiles"

    /// The `user default ...` line Redis writes from its ACL state: without a password the default
    /// user is `nopass`; `requirepass` gives it a SHA-256 password hash.
    static func defaultUserArguments(requirepass: String?) -> [String] {
        let password = requirepass.map { "#" + SHA256.hex(of: Array($0.utf8)) } ?? "nopass"
        return ["default", "on", password, "~*", "&*", "+@all"]
    }

    private static func rewriteGeneric(_ config: SentinelConfig, _ rewriter: inout ConfigRewriter) {
        rewriter.rewrite("port", "port \(config.port)", force: config.port != serverDefaultPort)
        if config.bind.isEmpty {
            rewriter.markProcessed("bind")
        } else {
            rewriter.rewrite("bind", "bind " + config.bind.map(ConfigLine.word).joined(separator: " "), force: true)
        }
        if let dir = config.dir { rewriter.rewrite("dir", "dir " + ConfigLine.quoted(dir), force: true) }
        rewriter.rewrite("logfile", "logfile " + ConfigLine.quoted(config.logfile), force: !config.logfile.isEmpty)
        rewriter.rewrite("loglevel", "loglevel \(config.loglevel.name)", force: config.loglevel != .notice)
        if let pidfile = config.pidfile {
            rewriter.rewrite("pidfile", "pidfile " + ConfigLine.quoted(pidfile), force: true)
        } else {
            rewriter.markProcessed("pidfile")
        }
        if let password = config.requirepass {
            rewriter.rewrite("requirepass", "requirepass " + ConfigLine.quoted(password), force: true)
        } else {
            rewriter.markProcessed("requirepass")
        }
        rewriter.rewrite("daemonize", "daemonize " + (config.daemonize ? "yes" : "no"), force: config.daemonize)
        // Sentinel's protected-mode default (no) differs from the server's (yes): Redis writes it in
        // every file. Written when yes too, so that the setting survives the next start.
        rewriter.rewrite("protected-mode", "protected-mode " + (config.protectedMode ? "yes" : "no"), force: true)
        rewriteKept(config, &rewriter)
    }

    /// Directives Vigil keeps without acting on them, plus the two Redis always writes.
    private static func rewriteKept(_ config: SentinelConfig, _ rewriter: inout ConfigRewriter) {
        let keys = Set(config.otherDirectives.map(\.key))
        if !keys.contains(latencyPercentilesKey) {
            rewriter.rewrite(latencyPercentilesKey, latencyPercentilesKey + " " + GenericDirectives.defaultPercentiles.joined(separator: " "), force: true)
        }
        // With an ACL file the users live there; Redis then writes no `user` line.
        let ownsDefaultUser = config.otherDirectives.contains { $0.key == "user" && $0.arguments.first == "default" }
        if !keys.contains("aclfile") && !ownsDefaultUser {
            rewriter.rewrite("user", "user " + defaultUserArguments(requirepass: config.requirepass).joined(separator: " "), force: true)
        }
        for directive in config.otherDirectives {
            let text = ([directive.key] + directive.arguments.map(ConfigLine.word)).joined(separator: " ")
            rewriter.rewrite(directive.key, text, force: true, keepEquivalent: true)
        }
        // Sentinel mode drops `save` lines, and every user is written above.
        rewriter.markProcessed("save")
        rewriter.markProcessed("user")
    }

    private static func rewriteSentinel(_ config: SentinelConfig, _ rewriter: inout ConfigRewriter) {
        func line(_ sub: String, _ words: [String], force: Bool = true) {
            rewriter.rewrite("sentinel " + sub, (["sentinel", sub] + words).joined(separator: " "), force: force)
        }
        func unlessUnset(_ sub: String, _ value: String?) {
            if let value { line(sub, [value]) } else { rewriter.markProcessed("sentinel " + sub) }
        }
        if let myid = config.myid { line("myid", [myid]) }
        // Written only when not the default, but rewritten in place when already in the file.
        line("deny-scripts-reconfig", [config.denyScriptsReconfig ? "yes" : "no"], force: !config.denyScriptsReconfig)
        line("resolve-hostnames", [config.resolveHostnames ? "yes" : "no"], force: config.resolveHostnames)
        line("announce-hostnames", [config.announceHostnames ? "yes" : "no"], force: config.announceHostnames)
        for master in config.masters { rewriteMaster(master, line) }
        for key in perMasterKeys { rewriter.markProcessed("sentinel " + key) }
        line("current-epoch", [String(config.currentEpoch)])
        unlessUnset("announce-ip", config.announceIP.map(ConfigLine.quoted))
        unlessUnset("announce-port", config.announcePort != 0 ? String(config.announcePort) : nil)
        unlessUnset("sentinel-user", config.sentinelUser.map(ConfigLine.word))
        unlessUnset("sentinel-pass", config.sentinelPass.map(ConfigLine.word))
    }

    /// Every per-master option: old lines of these not reused by a master are removed.
    static let perMasterKeys = [
        "monitor", "down-after-milliseconds", "failover-timeout", "parallel-syncs", "notification-script",
        "client-reconfig-script", "auth-pass", "auth-user", "master-reboot-down-after-period", "config-epoch",
        "leader-epoch", "known-replica", "known-sentinel", "rename-command",
    ]

    private static func rewriteMaster(_ master: MasterConfig, _ line: (String, [String], Bool) -> Void) {
        let name = ConfigLine.word(master.name)
        func add(_ sub: String, _ words: [String]) { line(sub, [name] + words, true) }
        add("monitor", [ConfigLine.word(master.address.host), String(master.address.port), String(master.quorum)])
        if master.downAfterMilliseconds != MasterConfig.defaultDownAfterMilliseconds {
            add("down-after-milliseconds", [String(master.downAfterMilliseconds)])
        }
        if master.failoverTimeoutMilliseconds != MasterConfig.defaultFailoverTimeoutMilliseconds {
            add("failover-timeout", [String(master.failoverTimeoutMilliseconds)])
        }
        if master.parallelSyncs != 1 { add("parallel-syncs", [String(master.parallelSyncs)]) }
        if let script = master.notificationScript { add("notification-script", [ConfigLine.word(script)]) }
        if let script = master.clientReconfigScript { add("client-reconfig-script", [ConfigLine.word(script)]) }
        if let password = master.authPass { add("auth-pass", [ConfigLine.word(password)]) }
        if let user = master.authUser { add("auth-user", [ConfigLine.word(user)]) }
        if master.masterRebootDownAfterPeriodMilliseconds != 0 {
            add("master-reboot-down-after-period", [String(master.masterRebootDownAfterPeriodMilliseconds)])
        }
        add("config-epoch", [String(master.configEpoch)])
        add("leader-epoch", [String(master.leaderEpoch)])
        // A replica at the master's own address is the one just promoted: not a replica any more.
        for replica in master.knownReplicas where !replica.sameAs(master.address) {
            add("known-replica", [ConfigLine.word(replica.host), String(replica.port)])
        }
        for peer in master.knownSentinels {
            add("known-sentinel", [ConfigLine.word(peer.address.host), String(peer.address.port), ConfigLine.word(peer.runID)])
        }
        for rename in master.renamedCommands {
            add("rename-command", [ConfigLine.word(rename.command), ConfigLine.word(rename.renamed)])
        }
    }
}
