/// The `sentinel <directive> ...` lines (§2.1), with Redis's error messages.
enum SentinelDirectives {
    enum Pass: Int, CaseIterable {
        case globals, monitors, perMaster
    }

    static let globals: Set<String> = [
        "announce-ip", "announce-port", "deny-scripts-reconfig", "sentinel-user", "sentinel-pass", "current-epoch",
        "myid", "resolve-hostnames", "announce-hostnames",
    ]

    static func pass(of directive: String) -> Pass {
        let name = directive.lowercased()
        if globals.contains(name) { return .globals }
        return name == "monitor" ? .monitors : .perMaster
    }

    static let unrecognized = "Unrecognized sentinel configuration statement."

    /// Applies one line (words after `sentinel`); returns the error text when it is wrong.
    static func apply(_ words: [String], to config: inout SentinelConfig) -> String? {
        let name = words[0].lowercased()
        let args = Array(words.dropFirst())
        switch pass(of: name) {
        case .globals: return applyGlobal(name, args, to: &config)
        case .monitors: return applyMonitor(args, to: &config)
        case .perMaster: return applyPerMaster(name, args, to: &config)
        }
    }

    private static func applyGlobal(_ name: String, _ args: [String], to config: inout SentinelConfig) -> String? {
        guard args.count == 1 else { return unrecognized }
        let value = args[0]
        switch name {
        case "announce-ip": if !value.isEmpty { config.announceIP = value }
        case "announce-port":
            // Redis takes atoi's value unchecked; a port beyond 65535 is refused here.
            let port = CNumbers.atoi(value)
            guard (0...65535).contains(port) else { return "Invalid port number." }
            config.announcePort = port
        case "deny-scripts-reconfig":
            return yesNo(value, "Please specify yes or no for the deny-scripts-reconfig options.") { config.denyScriptsReconfig = $0 }
        case "sentinel-user": config.sentinelUser = value.isEmpty ? nil : value
        case "sentinel-pass": config.sentinelPass = value.isEmpty ? nil : value
        case "current-epoch":
            guard let epoch = fileEpoch(value) else { return epochOutOfRange }
            config.currentEpoch = max(config.currentEpoch, epoch)
        case "myid":
            // Redis checks the length only; the id is written unquoted in events and hellos, so hex too.
            guard ValueRules.isRunID(value) else { return "Malformed Sentinel id in myid option." }
            config.myid = value
        case "resolve-hostnames", "announce-hostnames":
            let reason = "Please specify yes or no for the \(name) option."
            if name == "resolve-hostnames" { return yesNo(value, reason) { config.resolveHostnames = $0 } }
            return yesNo(value, reason) { config.announceHostnames = $0 }
        default: return unrecognized
        }
        return nil
    }

    static let epochOutOfRange = "Epoch out of range: it must be between 0 and \(CoreLimits.maxEpoch); "
        + "set it to the highest epoch the other sentinels report."
    static let timeTooLarge = "time parameter too large: at most \(CoreLimits.maxTimeMilliseconds) milliseconds (a century)."

    /// An epoch from the file. Redis reads it with strtoull (text with no digits reads as 0, digits
    /// stop at the first other byte, -1 wraps to 2^64-1); a number beyond CoreLimits.maxEpoch (left by
    /// a forged hello or vote request) is refused here, at its line, rather than trapping at the next
    /// failover's `currentEpoch + 1`.
    static func fileEpoch(_ value: String) -> Int64? {
        let epoch = CNumbers.strtoull(value)
        return epoch <= UInt64(CoreLimits.maxEpoch) ? Int64(epoch) : nil
    }

    /// A time from the file. Redis reads it with atoi, so text that is no number reads as 0 and gets
    /// Redis's own error, and digits stop at the first other byte; beyond Int64 reads as its largest
    /// value and is refused as too large (Redis's int would wrap it).
    static func fileMilliseconds(_ value: String) -> Int64 {
        CNumbers.strtoll(value)
    }

    private static func yesNo(_ value: String, _ reason: String, _ set: (Bool) -> Void) -> String? {
        switch value.lowercased() {
        case "yes": set(true)
        case "no": set(false)
        default: return reason
        }
        return nil
    }

    private static func applyMonitor(_ args: [String], to config: inout SentinelConfig) -> String? {
        guard args.count == 4 else { return unrecognized }
        // Redis reads both numbers with atoi, then checks the port, the host and the name in that order.
        let quorum = CNumbers.atoi(args[3])
        guard quorum > 0 else { return "Quorum must be 1 or greater." }
        let port = CNumbers.atoi(args[2])
        guard (0...65535).contains(port) else { return "Invalid port number." }
        guard ValueRules.isHost(args[1], hostnamesAllowed: config.resolveHostnames) else { return "Can't resolve instance hostname." }
        guard config.master(named: args[0]) == nil else { return "Duplicate master name." }
        // The same rule as SENTINEL MONITOR (see ValueRules.isMasterName).
        guard ValueRules.isMasterName(args[0]) else { return "Invalid master name: spaces, commas and control characters are not allowed." }
        config.masters.append(MasterConfig(name: args[0], address: Address(host: args[1], port: port), quorum: quorum))
        return nil
    }

    /// The per-master directives, each with its argument count (the master's name included).
    static let perMasterArity: [String: Int] = [
        "down-after-milliseconds": 2, "failover-timeout": 2, "parallel-syncs": 2, "notification-script": 2,
        "client-reconfig-script": 2, "auth-pass": 2, "auth-user": 2, "master-reboot-down-after-period": 2,
        "primary-reboot-down-after-period": 2, "config-epoch": 2, "leader-epoch": 2, "known-replica": 3,
        "known-slave": 3, "known-sentinel": 4, "rename-command": 3,
        "vigil-promotion-max-lag-bytes": 2, "vigil-promotion-catch-up-ms": 2,
    ]

    /// Whether `sentinel <directive>` is one Vigil reads (and so one its rewrite owns).
    static func isKnown(_ directive: String) -> Bool {
        globals.contains(directive) || directive == "monitor" || perMasterArity[directive] != nil
    }

    private static func applyPerMaster(_ name: String, _ args: [String], to config: inout SentinelConfig) -> String? {
        // The 4-word known-sentinel (no run id) of very old versions is silently ignored.
        if name == "known-sentinel" && args.count == 3 { return nil }
        guard let expected = perMasterArity[name], args.count == expected else { return unrecognized }
        guard let m = config.masters.firstIndex(where: { $0.name == args[0] }) else { return "No such master with specified name." }
        var master = config.masters[m]
        let reason = applyMasterOption(name, Array(args.dropFirst()), to: &master)
        config.masters[m] = master
        // A configuration epoch also raises the current epoch when larger.
        config.currentEpoch = max(config.currentEpoch, master.configEpoch)
        return reason
    }

    private static func applyMasterOption(_ name: String, _ values: [String], to master: inout MasterConfig) -> String? {
        let value = values[0]
        switch name {
        case "down-after-milliseconds", "failover-timeout":
            let ms = fileMilliseconds(value)
            guard ms > 0 else { return "negative or zero time parameter." }
            guard ms <= CoreLimits.maxTimeMilliseconds else { return timeTooLarge }
            if name == "failover-timeout" { master.failoverTimeoutMilliseconds = ms } else { master.downAfterMilliseconds = ms }
        case "parallel-syncs":
            master.parallelSyncs = CNumbers.atoi(value)
        case "notification-script":
            master.notificationScript = value
        case "client-reconfig-script":
            master.clientReconfigScript = value
        case "auth-pass": master.authPass = value
        case "auth-user": master.authUser = value
        case "master-reboot-down-after-period", "primary-reboot-down-after-period":
            let ms = fileMilliseconds(value)
            guard ms >= 0 else { return "negative time parameter." }
            guard ms <= CoreLimits.maxTimeMilliseconds else { return timeTooLarge }
            master.masterRebootDownAfterPeriodMilliseconds = ms
        case "vigil-promotion-max-lag-bytes":
            guard let bytes = Int64(value), bytes >= 0 else { return "negative or non-numeric promotion bound." }
            master.promotionMaxLagBytes = bytes
        case "vigil-promotion-catch-up-ms":
            guard let ms = Int64(value), ms >= 0, ms <= CoreLimits.maxTimeMilliseconds else {
                return "promotion catch-up time out of range: from 0 to \(CoreLimits.maxTimeMilliseconds) milliseconds."
            }
            master.promotionCatchUpMilliseconds = ms
        case "config-epoch", "leader-epoch":
            guard let epoch = fileEpoch(value) else { return epochOutOfRange }
            if name == "config-epoch" { master.configEpoch = epoch } else { master.leaderEpoch = epoch }
        case "known-replica", "known-slave":
            let port = CNumbers.atoi(values[1])
            guard (0...65535).contains(port) else { return "Invalid port number." }
            guard ValueRules.isHost(value, hostnamesAllowed: true) else { return "Wrong hostname or port for replica." }
            let address = Address(host: value, port: port)
            // A master never appears as its own replica: such a line is dropped, as the rewrite drops it,
            // so that a file loads to what it rewrites to.
            if address.sameAs(master.address) { return nil }
            guard !master.knownReplicas.contains(where: { $0.sameAs(address) }) else { return "Duplicate hostname and port for replica." }
            master.knownReplicas.append(address)
        case "known-sentinel":
            let port = CNumbers.atoi(values[1])
            guard (0...65535).contains(port) else { return "Invalid port number." }
            let runID = values[2]
            guard ValueRules.isHost(value, hostnamesAllowed: true) else { return "Wrong hostname or port for sentinel." }
            guard ValueRules.isRunID(runID) else { return "Malformed run id in known-sentinel option: it must be 40 hex digits." }
            guard !master.knownSentinels.contains(where: { $0.runID == runID }) else { return "Duplicate runid for sentinel." }
            master.knownSentinels.append(KnownSentinel(address: Address(host: value, port: port), runID: runID))
        case "rename-command":
            guard !master.renamedCommands.contains(where: { $0.command.lowercased() == value.lowercased() }) else {
                return "Same command renamed multiple times with rename-command."
            }
            master.renamedCommands.append(CommandRename(command: value, renamed: values[1]))
        default:
            return unrecognized
        }
        return nil
    }
}
