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
        if let reply = answer(readOnly: sub, arguments, now: now) { return CommandOutcome(reply: reply) }
        let args = Array(arguments.dropFirst())
        switch sub {
        case "flushconfig":
            return CommandOutcome(reply: .ok, effects: [.persistConfig], replyRequiresPersist: true)
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

    /// `SENTINEL <arguments>` for the subcommands that only read: the reply `execute` gives, without
    /// changing anything, starting a script or asking for an effect; nil for every other subcommand.
    /// Arity has been checked by the server's command table.
    public func answer(readOnly arguments: [String], now: Instant) -> Reply? {
        guard let sub = arguments.first?.lowercased() else { return nil }
        return answer(readOnly: sub, arguments, now: now)
    }

    /// `sub` is `arguments[0]` lower-cased.
    private func answer(readOnly sub: String, _ arguments: [String], now: Instant) -> Reply? {
        let args = arguments.dropFirst()
        switch sub {
        case "masters", "primaries":
            return .array(masters.map { instanceMap(ref($0.name, .master), now: now) })
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
            guard let name = args.first, let address = lookUpMasterAddress(named: name) else { return .nullArray }
            return .array([.bulk(address.host), .bulk(String(address.port))])
        case "myid":
            return .bulk(myID)
        case "ckquorum":
            return withMaster(args) { sentinel, m in sentinel.checkQuorum(m) }
        case "info-cache":
            return infoCache(Array(args), now: now)
        case "pending-scripts":
            return pendingScripts(now: now)
        case "help":
            return .array(SentinelHelp.lines.map { .simple($0) })
        default:
            return nil
        }
    }

    private func withMaster(_ args: ArraySlice<String>, _ body: (Sentinel, Int) -> Reply) -> Reply {
        guard let name = args.first, let m = masterIndex(named: name) else { return Sentinel.noSuchMaster }
        return body(self, m)
    }

    /// GET-MASTER-ADDR-BY-NAME's address: where clients should connect, as announced; nil when no
    /// master has that name.
    public func lookUpMasterAddress(named name: String) -> Address? {
        masterIndex(named: name).map { announced(currentMasterAddress($0)) }
    }

    /// `lookUpMasterAddress(named:)` for a name as the client sent it (UTF-8 bytes), found without
    /// making a String of it: for every lookup of a busy sentinel.
    public func lookUpMasterAddress(utf8 name: UnsafeRawBufferPointer) -> Address? {
        masterIndex(utf8: name).map { announced(currentMasterAddress($0)) }
    }

    /// `masterIndex(named: String(decoding: name, as: UTF8.self))`, comparing bytes where that gives
    /// the same answer. Swift compares Strings by canonical equivalence, under which a name of plain
    /// ASCII equals only itself, except for three ASCII characters that a non-ASCII one equals
    /// (U+212A KELVIN SIGN is "K", U+037E GREEK QUESTION MARK is ";", U+1FEF GREEK VARIA is "`").
    /// Any other name (with those, or with any byte past ASCII) is compared as a String.
    func masterIndex(utf8 name: UnsafeRawBufferPointer) -> Int? {
        let bytesSuffice = name.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "K") && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: "`") }
        guard bytesSuffice else { return masterIndex(named: String(decoding: name, as: UTF8.self)) }
        for index in masters.indices where Self.utf8(of: masters[index].settings.name, equals: name) { return index }
        return nil
    }

    /// `name.utf8.elementsEqual(bytes)` over the name's contiguous UTF-8, lengths first: the generic
    /// comparison walks String.UTF8View's index one byte at a time, for every master on every lookup.
    private static func utf8(of name: String, equals bytes: UnsafeRawBufferPointer) -> Bool {
        guard name.utf8.count == bytes.count else { return false }
        let equal = name.utf8.withContiguousStorageIfAvailable { nameBytes in
            // Bounded by the name's length.
            for index in 0..<nameBytes.count where nameBytes[index] != bytes[index] { return false }
            return true
        }
        return equal ?? name.utf8.elementsEqual(bytes)
    }

    /// The address clients should use: the promoted replica once a failover has reached
    /// the reconfiguration of the other replicas.
    public func currentMasterAddress(_ m: Int) -> Address {
        // Through `masters[m]` in place: a local copy of the master would retain all its arrays, and
        // this answers every client lookup.
        if let failover = masters[m].failover, failover.state == .reconfSlaves || failover.state == .updateConfig,
            let promoted = failover.promotedReplica, let r = masters[m].replicaIndex(named: promoted)
        {
            return masters[m].replicas[r].instance.address
        }
        return masters[m].instance.address
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
