extension Sentinel {
    static let noSuchMaster = Reply.error("ERR No such master with that name")

    /// `SENTINEL <arguments>`: arity has been checked by the server's command table.
    public mutating func execute(sentinelCommand arguments: [String], now: Instant) -> CommandOutcome {
        var outcome = executeCommand(arguments, now: now)
        outcome.effects = withScripts(outcome.effects, now: now)
        return outcome
    }

    mutating func executeCommand(_ arguments: [String], now: Instant) -> CommandOutcome {
        guard let sub = arguments.first?.lowercased() else { return CommandOutcome(reply: Sentinel.noSuchMaster) }
        let args = Array(arguments.dropFirst())
        switch sub {
        case "masters", "primaries":
            return CommandOutcome(reply: .array(masters.map { instanceMap(ref($0.name, .master), now: now) }))
        case "master", "primary":
            return withMaster(args) { sentinel, m in sentinel.instanceMap(sentinel.ref(sentinel.masters[m].name, .master), now: now) }
        case "replicas", "slaves":
            return withMaster(args) { sentinel, m in
                let master = sentinel.masters[m]
                return .array(master.replicas.filter(\.announced).map {
                    sentinel.instanceMap(sentinel.ref(master.name, .replica($0.name)), now: now)
                })
            }
        case "sentinels":
            return withMaster(args) { sentinel, m in
                let master = sentinel.masters[m]
                return .array(master.sentinels.compactMap { peer in
                    peer.instance.runID.map { sentinel.instanceMap(sentinel.ref(master.name, .sentinel($0)), now: now) }
                })
            }
        case "get-master-addr-by-name", "get-primary-addr-by-name":
            guard let name = args.first, let m = masterIndex(named: name) else { return CommandOutcome(reply: .nullArray) }
            let address = announced(currentMasterAddress(m))
            return CommandOutcome(reply: .array([.bulk(address.host), .bulk(String(address.port))]))
        case "myid":
            return CommandOutcome(reply: .bulk(myID))
        case "flushconfig":
            return CommandOutcome(reply: .ok, effects: [.persistConfig], replyRequiresPersist: true)
        case "ckquorum":
            return withMaster(args) { sentinel, m in sentinel.checkQuorum(m) }
        case "info-cache":
            return CommandOutcome(reply: infoCache(args, now: now))
        case "pending-scripts":
            return CommandOutcome(reply: pendingScripts(now: now))
        case "help":
            return CommandOutcome(reply: .array(SentinelHelp.lines.map { .simple($0) }))
        case "monitor":
            return monitor(args, now: now)
        case "remove":
            return remove(args, now: now)
        case "set":
            return set(args)
        case "reset":
            return reset(pattern: args.first ?? "", now: now)
        case "config":
            return config(args)
        case "failover":
            return forceFailover(args, now: now)
        case "simulate-failure":
            return simulateFailure(args)
        case "is-master-down-by-addr", "is-primary-down-by-addr":
            return isMasterDownByAddress(args, now: now)
        case "debug":
            return debug(args)
        default:
            return CommandOutcome(reply: .error("ERR unknown subcommand '\(arguments[0])'. Try SENTINEL HELP."))
        }
    }

    private func withMaster(_ args: [String], _ body: (Sentinel, Int) -> Reply) -> CommandOutcome {
        guard let name = args.first, let m = masterIndex(named: name) else { return CommandOutcome(reply: Sentinel.noSuchMaster) }
        return CommandOutcome(reply: body(self, m))
    }

    /// The address clients should use: the promoted replica once a failover has reached
    /// the reconfiguration of the other replicas.
    public func currentMasterAddress(_ m: Int) -> Address {
        let master = masters[m]
        if let failover = master.failover, failover.state == .reconfSlaves || failover.state == .updateConfig,
            let promoted = failover.promotedReplica, let r = master.replicaIndex(named: promoted)
        {
            return master.replicas[r].instance.address
        }
        return master.instance.address
    }

    public func currentMasterAddress(named name: String) -> Address? {
        masterIndex(named: name).map { currentMasterAddress($0) }
    }

    func checkQuorum(_ m: Int) -> Reply {
        let master = masters[m]
        let voters = master.sentinels.count + 1
        let usable = 1 + master.sentinels.filter { !$0.instance.isSubjectivelyDown }.count
        var problems: [String] = []
        if usable < master.settings.quorum {
            problems.append("Not enough available Sentinels to reach the specified quorum for this master")
        }
        if usable < voters / 2 + 1 {
            problems.append("Not enough available Sentinels to reach the majority and authorize a failover")
        }
        if problems.isEmpty {
            return .simple("OK \(usable) usable Sentinels. Quorum and failover authorization can be reached")
        }
        return .error("NOQUORUM \(usable) usable Sentinels. " + problems.joined(separator: ". "))
    }

    /// `[name, [[age, info-or-null], ...], ...]`: the master first, then its replicas.
    func infoCache(_ names: [String], now: Instant) -> Reply {
        var result: [Reply] = []
        var seen: Set<String> = []
        for name in names where !seen.contains(name) {
            seen.insert(name)
            guard let m = masterIndex(named: name) else { continue }
            let master = masters[m]
            var entries: [Reply] = []
            let masterRefreshed = master.instance.infoRefreshed
            for state in [master.instance] + master.replicas.map(\.instance) {
                // Redis's quirk: ages are reported as 0 while the master has never answered INFO.
                let age = masterRefreshed == nil ? 0 : state.infoRefreshed.map { now - $0 } ?? 0
                entries.append(.array([.integer(age), state.cachedInfo.map { .bulk($0) } ?? .nullBulk]))
            }
            result.append(.bulk(name))
            result.append(.array(entries))
        }
        return .array(result)
    }
}
