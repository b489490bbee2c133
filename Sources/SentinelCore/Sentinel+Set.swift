extension Sentinel {
    /// `SENTINEL SET <name> <option> <value> [...]`, applied left to right with no rollback (§1.2).
    mutating func set(_ args: [String]) -> CommandOutcome {
        guard let name = args.first, let m = masterIndex(named: name) else { return CommandOutcome(reply: Sentinel.noSuchMaster) }
        var effects: [Effect] = []
        var changes = 0
        var index = 1
        var failure: Reply?
        while index < args.count {
            let option = args[index]
            let remaining = args.count - 1 - index
            let result = applySetOption(m, option: option, values: Array(args[(index + 1)...].prefix(2)), remaining: remaining, into: &effects)
            switch result {
            case .applied(let consumed, let shown):
                changes += 1
                effects += event(about: ref(name, .master)) { .set($0, option: option, value: shown) }
                index += 1 + consumed
            case .failed(let reply):
                failure = reply
                index = args.count
            }
        }
        if changes > 0 { effects.append(.persistConfig) }
        if let failure { return CommandOutcome(reply: failure, effects: effects) }
        return CommandOutcome(reply: .ok, effects: effects, replyRequiresPersist: changes > 0)
    }

    enum SetResult {
        case applied(consumed: Int, shown: String)
        case failed(Reply)
    }

    private mutating func applySetOption(
        _ m: Int, option: String, values: [String], remaining: Int, into effects: inout [Effect]
    ) -> SetResult {
        let unknown = SetResult.failed(.error("ERR Unknown option or number of arguments for SENTINEL SET '\(ValueRules.oneLine(option))'"))
        guard remaining > 0, let value = values.first else { return unknown }
        let invalid = SetResult.failed(.error("ERR Invalid argument '\(ValueRules.oneLine(value))' for SENTINEL SET '\(ValueRules.oneLine(option))'"))
        // Redis stores these strings as they come and writes them unquoted into its config file, where
        // a CR or LF starts a line of the sender's choosing. Vigil quotes what it writes, and refuses
        // line breaks and NUL anyway: no password, user, path or command name holds one.
        if ["auth-pass", "auth-user", "rename-command"].contains(option.lowercased()),
            values.contains(where: ValueRules.hasLineBreakOrNul)
        {
            let bad = values.first(where: ValueRules.hasLineBreakOrNul) ?? value
            return .failed(.error("ERR Invalid argument '\(ValueRules.oneLine(bad))' for SENTINEL SET '\(ValueRules.oneLine(option))'"))
        }
        // Numbers as Redis reads them (a long long), within the bounds of CoreLimits: a time beyond a
        // century means "never" and would overflow the arithmetic done with it.
        switch option.lowercased() {
        case "down-after-milliseconds":
            guard let ms = ValueRules.milliseconds(value, minimum: 1) else { return invalid }
            masters[m].settings.downAfterMilliseconds = ms
            masters[m].instance.downAfterMilliseconds = ms
            for r in masters[m].replicas.indices { masters[m].replicas[r].instance.downAfterMilliseconds = ms }
            for s in masters[m].sentinels.indices { masters[m].sentinels[s].instance.downAfterMilliseconds = ms }
        case "failover-timeout":
            guard let ms = ValueRules.milliseconds(value, minimum: 1) else { return invalid }
            masters[m].settings.failoverTimeoutMilliseconds = ms
        case "parallel-syncs":
            guard let count = ValueRules.positiveCount(value) else { return invalid }
            masters[m].settings.parallelSyncs = count
        case "quorum":
            guard let count = ValueRules.positiveCount(value) else { return invalid }
            masters[m].settings.quorum = count
        case "master-reboot-down-after-period", "primary-reboot-down-after-period":
            guard let ms = ValueRules.milliseconds(value, minimum: 0) else { return invalid }
            masters[m].settings.masterRebootDownAfterPeriodMilliseconds = ms
        case "vigil-promotion-max-lag-bytes":
            guard let bytes = Int64(value), bytes >= 0 else { return invalid }
            masters[m].settings.promotionMaxLagBytes = bytes
        case "vigil-promotion-catch-up-ms":
            guard let ms = ValueRules.milliseconds(value, minimum: 0) else { return invalid }
            masters[m].settings.promotionCatchUpMilliseconds = ms
        case "notification-script", "client-reconfig-script":
            return setScript(m, option: option, value: value)
        case "auth-pass", "auth-user":
            if option.lowercased() == "auth-pass" {
                masters[m].settings.authPass = value.isEmpty ? nil : value
            } else {
                masters[m].settings.authUser = value.isEmpty ? nil : value
            }
            // New credentials take effect through new connections to the master and its replicas.
            let name = masters[m].name
            closeLinks(of: ref(name, .master), into: &effects)
            for replica in masters[m].replicas { closeLinks(of: ref(name, .replica(replica.name)), into: &effects) }
            return .applied(consumed: 1, shown: option.lowercased() == "auth-pass" ? "******" : value)
        case "rename-command":
            guard remaining > 1, values.count == 2 else { return unknown }
            let (command, renamed) = (values[0], values[1])
            guard !command.isEmpty, !renamed.isEmpty else {
                return .failed(.error("ERR Invalid argument '' for SENTINEL SET '\(ValueRules.oneLine(option))'"))
            }
            masters[m].settings.renamedCommands.removeAll { $0.command.lowercased() == command.lowercased() }
            if command.lowercased() != renamed.lowercased() {
                masters[m].settings.renamedCommands.append(CommandRename(command: command, renamed: renamed))
            }
            return .applied(consumed: 2, shown: "\(command) \(renamed)")
        default:
            return unknown
        }
        return .applied(consumed: 1, shown: value)
    }

    private mutating func setScript(_ m: Int, option: String, value: String) -> SetResult {
        if settings.denyScriptsReconfig {
            return .failed(.error(
                "ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration"))
        }
        let isNotification = option.lowercased() == "notification-script"
        // After the denial, as Redis answers first; a path with a line break is refused like the
        // strings of applySetOption.
        if ValueRules.hasLineBreakOrNul(value) {
            return .failed(.error("ERR Invalid argument '\(ValueRules.oneLine(value))' for SENTINEL SET '\(ValueRules.oneLine(option))'"))
        }
        if !value.isEmpty && !environment.isExecutable(value) {
            return .failed(.error(isNotification
                ? "ERR Notification script seems non existing or non executable"
                : "ERR Client reconfiguration script seems non existing or non executable"))
        }
        let path: String? = value.isEmpty ? nil : value
        if isNotification { masters[m].settings.notificationScript = path } else { masters[m].settings.clientReconfigScript = path }
        return .applied(consumed: 1, shown: value)
    }
}

/// Facts about the host the core must ask about but cannot find out itself.
public struct SentinelEnvironment: Sendable {
    /// Whether a script path exists and is executable (access X_OK).
    public var isExecutable: @Sendable (String) -> Bool
    /// The numeric IP a hostname resolves to (getaddrinfo), or nil; asked only with resolve-hostnames.
    public var resolveHost: @Sendable (String) -> String?
    public init(
        isExecutable: @escaping @Sendable (String) -> Bool = { _ in false },
        resolveHost: @escaping @Sendable (String) -> String? = { IPLiteral.isValid($0) ? $0 : nil }
    ) {
        self.isExecutable = isExecutable
        self.resolveHost = resolveHost
    }
}
