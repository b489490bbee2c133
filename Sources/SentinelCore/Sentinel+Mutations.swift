extension Sentinel {
    /// `SENTINEL MONITOR <name> <ip> <port> <quorum>`, errors checked in Redis's order.
    mutating func monitor(_ args: [String], now: Instant) -> CommandOutcome {
        guard args.count == 4 else { return CommandOutcome(reply: .error("ERR wrong number of arguments for 'sentinel|monitor' command")) }
        let (name, host) = (args[0], args[1])
        guard let requestedQuorum = Int(args[3]) else { return CommandOutcome(reply: .error("ERR Invalid quorum")) }
        guard let port = Int(args[2]) else { return CommandOutcome(reply: .error("ERR Invalid port")) }
        // The config file is read back with atoi: a quorum beyond a C int would be written and then
        // refuse to load, so it is refused here as a quorum that does not parse.
        guard let quorum = ValueRules.positiveCount(args[3]) else {
            return CommandOutcome(reply: .error(requestedQuorum > 0 ? "ERR Invalid quorum" : "ERR Quorum must be 1 or greater."))
        }
        guard ValueRules.isHost(host, hostnamesAllowed: settings.resolveHostnames), resolve(host) != nil else {
            return CommandOutcome(reply: .error("ERR Invalid IP address or hostname specified"))
        }
        guard masterIndex(named: name) == nil else { return CommandOutcome(reply: .error("ERR Duplicate master name.")) }
        guard ValueRules.isMasterName(name) else {
            return CommandOutcome(reply: .error("ERR Invalid master name: spaces, commas and control characters are not allowed"))
        }
        guard (0...65535).contains(port) else { return CommandOutcome(reply: .error("ERR Invalid port number.")) }
        var settings = MasterConfig(name: name, address: Address(host: host, port: port), quorum: quorum)
        settings.downAfterMilliseconds = timing.defaultDownAfter
        settings.failoverTimeoutMilliseconds = timing.defaultFailoverTimeout
        masters.append(Sentinel.makeMaster(settings, now: now))
        reindexMasters()
        var none: [Effect] = []
        refreshPeerLinks(now: now, into: &none)
        return CommandOutcome(
            reply: .ok,
            effects: [Effect.persistConfig] + event(about: ref(name, .master)) { .monitor($0, quorum: quorum) },
            replyRequiresPersist: true)
    }

    mutating func remove(_ args: [String], now: Instant) -> CommandOutcome {
        guard let name = args.first, let m = masterIndex(named: name) else { return CommandOutcome(reply: Sentinel.noSuchMaster) }
        var effects = event(about: ref(name, .master)) { .monitorRemoved($0) }
        // Redis runs the removed master's notification script for -monitor; by the time the
        // effects pass through `withScripts` the master, and its script, are gone.
        queueNotificationScripts(for: effects, now: now)
        closeAllLinks(ofMaster: m, into: &effects)
        masters.remove(at: m)
        reindexMasters()
        refreshPeerLinks(now: now, into: &effects)
        effects.append(.persistConfig)
        return CommandOutcome(reply: .ok, effects: effects, replyRequiresPersist: true)
    }

    /// The master's and its replicas' links; its peers' links are shared with other masters, and
    /// close when `refreshPeerLinks` finds that no master names them any more.
    mutating func closeAllLinks(ofMaster m: Int, into effects: inout [Effect]) {
        let master = masters[m]
        closeLinks(of: ref(master.name, .master), into: &effects)
        for replica in master.replicas { closeLinks(of: ref(master.name, .replica(replica.name)), into: &effects) }
    }

    /// `SENTINEL RESET <pattern>`: forget replicas and peers of every matching master (§1.2).
    mutating func reset(pattern: String, now: Instant) -> CommandOutcome {
        var effects: [Effect] = []
        var count: Int64 = 0
        for m in masters.indices where Glob.matches(pattern, masters[m].name) {
            closeAllLinks(ofMaster: m, into: &effects)
            var settings = masters[m].settings
            settings.address = masters[m].instance.address
            var fresh = MasterState(settings: settings, now: now)
            fresh.ledEpoch = masters[m].ledEpoch
            masters[m] = fresh
            effects += event(about: ref(settings.name, .master)) { .resetMaster($0) }
            count += 1
        }
        refreshPeerLinks(now: now, into: &effects)
        return CommandOutcome(reply: .integer(count), effects: effects)
    }

    /// `SENTINEL DEBUG [<param> <ms> ...]`: show or change the timing parameters, live.
    mutating func debug(_ args: [String]) -> CommandOutcome {
        if args.isEmpty {
            var pairs: [(String, Reply)] = []
            for name in Timing.parameterNames { pairs.append((name.uppercased(), .bulkInteger(timing[parameter: name]!))) }
            return CommandOutcome(reply: .fields(pairs))
        }
        var index = 0
        while index < args.count {
            let name = args[index]
            guard timing[parameter: name] != nil, index + 1 < args.count else {
                return CommandOutcome(reply: .error("ERR Unknown option or number of arguments for SENTINEL DEBUG '\(ValueRules.oneLine(name))'"))
            }
            // Bounded like every time parameter (CoreLimits.maxTimeMilliseconds): the periods are
            // added to instants and multiplied, and a trap here would recur at every tick.
            guard let value = ValueRules.milliseconds(args[index + 1], minimum: 1) else {
                return CommandOutcome(reply: .error("ERR Invalid argument '\(ValueRules.oneLine(args[index + 1]))' for SENTINEL DEBUG '\(name)'"))
            }
            timing[parameter: name] = value
            index += 2
        }
        return CommandOutcome(reply: .ok)
    }
}
