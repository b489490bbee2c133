/// The `sentinel <directive> ...` lines (§2.1), with redis-sentinel 7.0.15's checks, number parsing
/// (atoi/strtoull) and error messages. A wrong argument count is "Unrecognized sentinel
/// configuration statement.", as in Redis, where each directive matches only with its own count.
enum SentinelDirectives {
    enum Pass: Int, CaseIterable {
        case globals, monitors, perMaster
    }

    struct Context {
        var resolveHostname: (String) -> Bool
    }

    /// Read before any `monitor`, wherever they are in the file (Redis's pre-monitor queue).
    static let globals: Set<String> = [
        "announce-ip", "announce-port", "deny-scripts-reconfig", "sentinel-user", "sentinel-pass", "current-epoch",
        "myid", "resolve-hostnames", "announce-hostnames",
    ]

    /// Argument counts (after the directive name) of the per-master directives.
    static let perMasterArity: [String: Int] = [
        "down-after-milliseconds": 2, "failover-timeout": 2, "parallel-syncs": 2, "notification-script": 2,
        "client-reconfig-script": 2, "auth-pass": 2, "auth-user": 2, "master-reboot-down-after-period": 2,
        "config-epoch": 2, "leader-epoch": 2, "known-replica": 3, "known-slave": 3, "known-sentinel": 4,
        "rename-command": 3,
    ]

    /// CONFIG_RUN_ID_SIZE: a sentinel id is 40 characters.
    static let runIDLength = 40

    static func pass(of directive: String) -> Pass {
        let name = directive.lowercased()
        if globals.contains(name) { return .globals }
        return name == "monitor" ? .monitors : .perMaster
    }

    static let unrecognized = "Unrecognized sentinel configuration statement."
    static let noSuchMaster = "No such master with specified name."
    static let invalidPort = "Invalid port number."
    static let cannotResolve = "Can't resolve instance hostname."

    /// Applies one line (words after `sentinel`); returns the error text when it is wrong.
    static func apply(_ words: [String], to config: inout SentinelConfig, _ context: Context) -> String? {
        let name = words[0].lowercased()
        let args = Array(words.dropFirst())
        switch pass(of: name) {
        case .globals: return applyGlobal(name, args, to: &config)
        case .monitors: return applyMonitor(args, to: &config, context)
        case .perMaster: return applyPerMaster(name, args, to: &config, context)
        }
    }

    private static func applyGlobal(_ name: String, _ args: [String], to config: inout SentinelConfig) -> String? {
        guard args.count == 1 else { return unrecognized }
        let value = args[0]
        func yesNo(_ set: (Bool) -> Void, _ error: String) -> String? {
            guard let flag = GenericDirectives.yesNo(value) else { return error }
            set(flag)
            return nil
        }
        switch name {
        case "announce-ip": if !value.isEmpty { config.announceIP = value }
        case "announce-port": config.announcePort = CNumbers.atoi(value)
        case "deny-scripts-reconfig":
            return yesNo({ config.denyScriptsReconfig = $0 }, "Please specify yes or no for the deny-scripts-reconfig options.")
        case "sentinel-user": if !value.isEmpty { config.sentinelUser = value }
        case "sentinel-pass": if !value.isEmpty { config.sentinelPass = value }
        case "current-epoch": config.currentEpoch = max(config.currentEpoch, CNumbers.epoch(value))
        case "myid":
            guard value.utf8.count == runIDLength else { return "Malformed Sentinel id in myid option." }
            config.myid = value
        case "resolve-hostnames":
            return yesNo({ config.resolveHostnames = $0 }, "Please specify yes or no for the resolve-hostnames option.")
        case "announce-hostnames":
            return yesNo({ config.announceHostnames = $0 }, "Please specify yes or no for the announce-hostnames option.")
        default: return unrecognized
        }
        return nil
    }

    /// createSentinelAddr's checks, in its order: port range, then the host.
    static func checkAddress(_ host: String, _ port: Int, _ config: SentinelConfig, _ context: Context) -> String? {
        guard (0...65535).contains(port) else { return invalidPort }
        if IPLiteral.isValid(host) { return nil }
        guard config.resolveHostnames, !host.isEmpty, context.resolveHostname(host) else { return cannotResolve }
        return nil
    }

    private static func applyMonitor(_ args: [String], to config: inout SentinelConfig, _ context: Context) -> String? {
        guard args.count == 4 else { return unrecognized }
        let quorum = CNumbers.atoi(args[3])
        guard quorum > 0 else { return "Quorum must be 1 or greater." }
        let port = CNumbers.atoi(args[2])
        if let error = checkAddress(args[1], port, config, context) { return error }
        guard config.master(named: args[0]) == nil else { return "Duplicate master name." }
        config.masters.append(MasterConfig(name: args[0], address: Address(host: args[1], port: port), quorum: quorum))
        return nil
    }

    private static func applyPerMaster(
        _ name: String, _ args: [String], to config: inout SentinelConfig, _ context: Context
    ) -> String? {
        // The old known-sentinel form without a run id is silently ignored, master or not.
        if name == "known-sentinel" && args.count == 3 { return nil }
        guard let expected = perMasterArity[name], args.count == expected else { return unrecognized }
        guard let index = config.masters.firstIndex(where: { $0.name == args[0] }) else { return noSuchMaster }
        var master = config.masters[index]
        let values = Array(args.dropFirst())
        let reason: String?
        switch name {
        case "known-replica", "known-slave", "known-sentinel":
            reason = applyKnownInstance(name, values, to: &master, config, context)
        default:
            reason = applyMasterOption(name, values, to: &master)
        }
        config.masters[index] = master
        // A configuration epoch also raises the current epoch when larger.
        config.currentEpoch = max(config.currentEpoch, master.configEpoch)
        return reason
    }

    private static func applyMasterOption(_ name: String, _ values: [String], to master: inout MasterConfig) -> String? {
        let value = values[0]
        switch name {
        case "down-after-milliseconds":
            master.downAfterMilliseconds = Int64(CNumbers.atoi(value))
            guard master.downAfterMilliseconds > 0 else { return "negative or zero time parameter." }
        case "failover-timeout":
            master.failoverTimeoutMilliseconds = Int64(CNumbers.atoi(value))
            guard master.failoverTimeoutMilliseconds > 0 else { return "negative or zero time parameter." }
        case "parallel-syncs": master.parallelSyncs = CNumbers.atoi(value)
        // Whether a script exists and is executable is checked by the caller: the core touches no files.
        case "notification-script": master.notificationScript = value
        case "client-reconfig-script": master.clientReconfigScript = value
        case "auth-pass": master.authPass = value
        case "auth-user": master.authUser = value
        case "master-reboot-down-after-period":
            master.masterRebootDownAfterPeriodMilliseconds = Int64(CNumbers.atoi(value))
            guard master.masterRebootDownAfterPeriodMilliseconds >= 0 else { return "negative time parameter." }
        case "config-epoch": master.configEpoch = CNumbers.epoch(value)
        case "leader-epoch": master.leaderEpoch = CNumbers.epoch(value)
        case "rename-command":
            // Redis keeps renames in a case-insensitive dictionary.
            guard !master.renamedCommands.contains(where: { $0.command.lowercased() == value.lowercased() }) else {
                return "Same command renamed multiple times with rename-command."
            }
            master.renamedCommands.append(CommandRename(command: value, renamed: values[1]))
        default:
            return unrecognized
        }
        return nil
    }

    private static func applyKnownInstance(
        _ name: String, _ values: [String], to master: inout MasterConfig, _ config: SentinelConfig, _ context: Context
    ) -> String? {
        let address = Address(host: values[0], port: CNumbers.atoi(values[1]))
        if let error = checkAddress(address.host, address.port, config, context) { return error }
        if name == "known-sentinel" {
            let runID = values[2]
            guard !master.knownSentinels.contains(where: { $0.runID == runID }) else { return "Duplicate runid for sentinel." }
            master.knownSentinels.append(KnownSentinel(address: address, runID: runID))
        } else {
            guard !master.knownReplicas.contains(where: { $0.sameAs(address) }) else { return "Duplicate hostname and port for replica." }
            master.knownReplicas.append(address)
        }
        return nil
    }
}
