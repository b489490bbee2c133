extension Sentinel {
    /// Opens the missing connections of a disconnected instance, at most once per ping period.
    mutating func reconnect(_ target: InstanceRef, now: Instant, into effects: inout [Effect]) {
        guard readInstance(target, { Sentinel.mayReconnect($0, link: Sentinel.ownLink($0)) }) == true, let state = instance(target) else { return }
        // A peer is reached only through its shared link (see `refreshPeerLinks`).
        if case .sentinel = target.member, peerLinkKey(of: target).flatMap({ peerLinks[$0] }) == nil { return }
        if let last = state.link.lastReconnectAttempt, now - last < timing.pingPeriod { return }
        // The host may have moved (or failed to resolve before): Redis resolves it again first.
        if settings.resolveHostnames { resolve(state.address.host) }
        var opened: [(LinkID, LinkKind)] = []
        if state.link.commandLink == nil { opened.append((allocateLink(for: target, kind: .command), .command)) }
        if state.link.needsPubsub && state.link.pubsubLink == nil {
            opened.append((allocateLink(for: target, kind: .pubsub), .pubsub))
        }
        withInstance(target) { instance in
            instance.link.lastReconnectAttempt = now
            for (id, kind) in opened {
                if kind == .command { instance.link.commandLink = id } else { instance.link.pubsubLink = id }
            }
        }
        for (id, kind) in opened { effects.append(.connect(id, state.address, kind)) }
    }

    /// Whether a visit may open links to the instance: it has none up, and an address to dial.
    static func mayReconnect(_ instance: UnsafePointer<InstanceState>, link: UnsafePointer<InstanceLink>) -> Bool {
        link.pointee.isDisconnected && instance.pointee.address.port != 0
    }

    mutating func allocateLink(for target: InstanceRef, kind: LinkKind) -> LinkID {
        let id = LinkID(nextLinkNumber)
        nextLinkNumber += 1
        if let key = peerLinkKey(of: target) {
            linkOwners[id] = .peer(key)
        } else {
            linkOwners[id] = .instance(target, kind)
        }
        return id
    }

    /// The instance that speaks for a link: its own, or for a shared peer link the first master's
    /// entry of the peer (see `firstPeerLinkUser`); nil when nothing uses the link any more.
    func speaker(for owner: LinkOwner) -> (target: InstanceRef, kind: LinkKind)? {
        switch owner {
        case .instance(let target, let kind):
            return (target, kind)
        case .peer(let key):
            return firstPeerLinkUser(key).map { ($0, .command) }
        }
    }

    /// Closes one connection of an instance (both when `kind` is nil) and forgets it. For a peer this
    /// closes the link every master shares (a stuck link, new credentials); a master that forgets a
    /// peer only lets go of it (see `refreshPeerLinks`).
    mutating func closeLinks(of target: InstanceRef, kind: LinkKind? = nil, into effects: inout [Effect]) {
        guard let state = instance(target) else { return }
        if kind != .pubsub, let id = state.link.commandLink {
            linkOwners[id] = nil
            effects.append(.disconnect(id))
        }
        if kind != .command, let id = state.link.pubsubLink {
            linkOwners[id] = nil
            effects.append(.disconnect(id))
        }
        withInstance(target) { instance in
            if kind != .pubsub { Sentinel.forgetCommandLink(&instance.link) }
            if kind != .command { Sentinel.forgetPubsubLink(&instance.link) }
        }
    }

    static func forgetCommandLink(_ link: inout InstanceLink) {
        link.commandLink = nil
        link.commandConnected = false
        link.commandConnectedSince = nil
        link.pendingCommands = 0
    }

    static func forgetPubsubLink(_ link: inout InstanceLink) {
        link.pubsubLink = nil
        link.pubsubConnected = false
        link.pubsubConnectedSince = nil
    }

    /// The command name to send to an instance of `master`, after its rename-command mappings.
    func commandName(_ command: String, master: String) -> String {
        guard let m = masterIndex(named: master) else { return command }
        return commandName(command, masterAt: m)
    }

    func commandName(_ command: String, masterAt m: Int) -> String {
        let renames = masters[m].settings.renamedCommands
        guard !renames.isEmpty else { return command }
        return renames.first { $0.command.lowercased() == command.lowercased() }?.renamed ?? command
    }

    func renamed(_ arguments: [String], master: String) -> [String] {
        guard let m = masterIndex(named: master) else { return arguments }
        return renamed(arguments, masterAt: m)
    }

    func renamed(_ arguments: [String], masterAt m: Int) -> [String] {
        guard let first = arguments.first, !masters[m].settings.renamedCommands.isEmpty else { return arguments }
        return [commandName(first, masterAt: m)] + arguments.dropFirst()
    }

    /// AUTH arguments for an instance: a master's credentials serve its replicas too; peers get
    /// sentinel-user/sentinel-pass, or requirepass when no sentinel-pass is set (Redis's compatibility rule).
    func authArguments(for target: InstanceRef) -> [String]? {
        guard let m = masterIndex(of: target) else { return nil }
        let user: String?
        let pass: String?
        if case .sentinel = target.member {
            user = settings.sentinelUser
            pass = settings.sentinelPass ?? baseConfig.requirepass
        } else {
            user = masters[m].settings.authUser
            pass = masters[m].settings.authPass
        }
        guard let pass, !pass.isEmpty else { return nil }
        if let user, !user.isEmpty { return ["AUTH", user, pass] }
        return ["AUTH", pass]
    }

    /// Queues a request on the command link and counts it as pending.
    mutating func sendCommand(
        _ target: InstanceRef, _ arguments: [String], _ purpose: RequestPurpose, into effects: inout [Effect]
    ) {
        guard let m = masterIndex(of: target), let id = commandLink(of: target) else { return }
        withInstance(target) { $0.link.pendingCommands += 1 }
        effects.append(.send(id, renamed(arguments, masterAt: m), purpose))
    }

    /// The instance's command connection, read where it lies (`instance(_:)` copies the whole state).
    func commandLink(of target: InstanceRef) -> LinkID? {
        guard let m = masterIndex(of: target) else { return nil }
        switch target.member {
        case .master:
            return masters[m].instance.link.commandLink
        case .replica(let name):
            return replicaIndex(m, named: name, hint: target.position).flatMap { masters[m].replicas[$0].instance.link.commandLink }
        case .sentinel(let runID):
            guard let s = sentinelIndex(m, runID: runID, hint: target.position) else { return nil }
            let key = PeerLinkKey(runID: runID, address: masters[m].sentinels[s].instance.address)
            return peerLinks[key]?.link.commandLink ?? masters[m].sentinels[s].instance.link.commandLink
        }
    }

    mutating func sendPing(_ target: InstanceRef, now: Instant, into effects: inout [Effect]) {
        sendCommand(target, ["PING"], .ping, into: &effects)
        withInstance(target) { instance in
            instance.link.lastPingSent = now
            if instance.link.activePingSince == nil { instance.link.activePingSince = now }
        }
    }

    /// A connection came up: authenticate, name it, then PING (command) or SUBSCRIBE (pub/sub).
    mutating func linkConnected(_ id: LinkID, localHost: String, now: Instant) -> [Effect] {
        guard let owner = linkOwners[id], let (target, kind) = speaker(for: owner) else { return [] }
        var effects: [Effect] = []
        let auth = authArguments(for: target)
        let idPrefix = String(myID.prefix(8))
        if kind == .command {
            withInstance(target) { instance in
                instance.link.commandConnected = true
                instance.link.commandConnectedSince = now
                instance.link.localHost = localHost
            }
            if let auth { sendCommand(target, auth, .auth, into: &effects) }
            sendCommand(target, ["CLIENT", "SETNAME", "sentinel-\(idPrefix)-cmd"], .setName, into: &effects)
            sendPing(target, now: now, into: &effects)
        } else {
            withInstance(target) { instance in
                instance.link.pubsubConnected = true
                instance.link.pubsubConnectedSince = now
                instance.link.lastPubsubActivity = now
            }
            if let auth { effects.append(.send(id, renamed(auth, master: target.master), .auth)) }
            effects.append(.send(id, renamed(["CLIENT", "SETNAME", "sentinel-\(idPrefix)-pubsub"], master: target.master), .setName))
            effects.append(.send(id, renamed(["SUBSCRIBE", Sentinel.helloChannel], master: target.master), .subscribe))
        }
        return effects
    }

    mutating func linkClosed(_ id: LinkID, reason: String) -> [Effect] {
        guard let owner = linkOwners.removeValue(forKey: id), let (target, kind) = speaker(for: owner) else { return [] }
        withInstance(target) { instance in
            if kind == .command, instance.link.commandLink == id { Sentinel.forgetCommandLink(&instance.link) }
            if kind == .pubsub, instance.link.pubsubLink == id { Sentinel.forgetPubsubLink(&instance.link) }
        }
        return event(about: target) { .linkReconnection($0, kind, reason: reason) }
    }

    public static let helloChannel = "__sentinel__:hello"
}
