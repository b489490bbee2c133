/// One hello: `<ip>,<port>,<runid>,<current-epoch>,<master-name>,<master-ip>,<master-port>,<master-config-epoch>`.
///
/// Anyone who can reach a monitored node can publish on its `__sentinel__:hello` channel, with no
/// login, so every field is checked here: a run id of 40 hex digits, addresses that are IPs (or
/// hostnames with resolve-hostnames), ports 1-65535, epochs within 0...CoreLimits.maxEpoch. A hello
/// that fails any check is ignored whole.
public struct Hello: Hashable, Sendable {
    public var sentinel: Address
    public var runID: String
    public var currentEpoch: Int64
    public var masterName: String
    public var master: Address
    public var masterConfigEpoch: Int64

    /// Whether the hello's third field, the sender's run id, is `runID`: our own hellos come back on
    /// every channel we publish to, and are dropped before they are parsed. Compared byte by byte where
    /// the field lies, with nothing allocated: hundreds come back a second with hundreds of masters,
    /// and splitting each into an array of fields was most of what dropping it cost.
    static func isSent(by runID: String, _ payload: String) -> Bool {
        let comma = UInt8(ascii: ",")
        let bytes = payload.utf8
        var index = bytes.startIndex
        var commas = 0
        // Bounded by the payload's length.
        while commas < 2 {
            guard index != bytes.endIndex else { return false }
            if bytes[index] == comma { commas += 1 }
            bytes.formIndex(after: &index)
        }
        var own = runID.utf8.makeIterator()
        while index != bytes.endIndex, bytes[index] != comma {
            guard own.next() == bytes[index] else { return false }
            bytes.formIndex(after: &index)
        }
        return own.next() == nil
    }

    /// The entry point for a hello's text (also the fuzzers'): nil unless every field is valid.
    public static func parse(_ payload: String, hostnamesAllowed: Bool = false) -> Hello? {
        Hello(payload: payload, hostnamesAllowed: hostnamesAllowed)
    }

    public init?(payload: String, hostnamesAllowed: Bool = false) {
        // Split on the comma's byte, as Redis does, rather than on characters (which cost grapheme
        // breaking on every hello), and in place: every peer's hello is read twice (`helloMayPersist`
        // and `processHello`), hundreds a second with hundreds of masters, and building an array of
        // eight strings for each was most of what reading it cost. Only the fields kept become strings.
        let utf8 = payload.utf8
        guard let fields = Hello.withFieldBounds(utf8, { Array($0) }) else { return nil }
        func text(_ field: Int) -> String { String(Substring(utf8[fields[field]])) }
        let host = text(0), runID = text(2), masterName = text(4), masterHost = text(5)
        guard ValueRules.isHost(host, hostnamesAllowed: hostnamesAllowed),
            let port = Hello.decimal(utf8[fields[1]]), ValueRules.isListeningPort(port),
            ValueRules.isRunID(runID),
            let epoch = Hello.decimal(utf8[fields[3]]).flatMap({ Hello.epoch($0) }),
            ValueRules.isMasterName(masterName),
            ValueRules.isHost(masterHost, hostnamesAllowed: hostnamesAllowed),
            let masterPort = Hello.decimal(utf8[fields[6]]), ValueRules.isListeningPort(masterPort),
            let configEpoch = Hello.decimal(utf8[fields[7]]).flatMap({ Hello.epoch($0) })
        else { return nil }
        sentinel = Address(host: host, port: port)
        self.runID = runID
        currentEpoch = epoch
        self.masterName = masterName
        master = Address(host: masterHost, port: masterPort)
        masterConfigEpoch = configEpoch
    }

    /// Runs `body` on the ranges of a hello's eight comma-separated fields, kept on the stack; nil
    /// unless there are exactly eight.
    static func withFieldBounds<Result>(
        _ utf8: String.UTF8View, _ body: (UnsafeBufferPointer<Range<String.Index>>) -> Result
    ) -> Result? {
        withUnsafeTemporaryAllocation(of: Range<String.Index>.self, capacity: 8) { bounds in
            var count = 0
            var start = utf8.startIndex
            var index = start
            // Bounded by the payload's length.
            while index != utf8.endIndex {
                if utf8[index] == UInt8(ascii: ",") {
                    guard count < 7 else { return nil }
                    bounds.initializeElement(at: count, to: start..<index)
                    count += 1
                    start = utf8.index(after: index)
                }
                utf8.formIndex(after: &index)
            }
            guard count == 7 else { return nil }
            bounds.initializeElement(at: count, to: start..<utf8.endIndex)
            // Ranges of indices hold no references: nothing to deinitialize.
            return body(UnsafeBufferPointer(bounds))
        }
    }

    /// A decimal number as `Int(_:)` reads one (an optional sign, then at least one ASCII digit),
    /// nil on anything else or on overflow; read from the bytes, without a string.
    static func decimal(_ bytes: Substring.UTF8View) -> Int? {
        var index = bytes.startIndex
        guard index != bytes.endIndex else { return nil }
        var negative = false
        if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            bytes.formIndex(after: &index)
            guard index != bytes.endIndex else { return nil }
        }
        var value = 0
        while index != bytes.endIndex {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int(byte - UInt8(ascii: "0"))
            let (tens, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowedAgain) = negative ? tens.subtractingReportingOverflow(digit) : tens.addingReportingOverflow(digit)
            guard !overflowed, !overflowedAgain else { return nil }
            value = sum
            bytes.formIndex(after: &index)
        }
        return value
    }

    /// An epoch within 0...CoreLimits.maxEpoch (see `ValueRules.epoch`).
    static func epoch(_ value: Int) -> Int64? {
        (0...CoreLimits.maxEpoch).contains(Int64(value)) ? Int64(value) : nil
    }
}

extension Sentinel {
    /// A hello from a master's or replica's pub/sub channel, or sent straight to us (fake PUBLISH) (§5).
    public mutating func receiveHello(_ payload: String, now: Instant) -> [Effect] {
        withScripts(processHello(payload, now: now), now: now)
    }

    /// Whether `processHello` could ask for a config write: the same conditions, in the same order
    /// (an unknown peer, a newer epoch, a newer configuration). Otherwise it only notes the time of
    /// the peer's hello, and the daemon needs no undo copy (see `mayPersist(_ input:)`).
    public func helloMayPersist(_ payload: String) -> Bool {
        if quietHelloSender(payload) != nil { return false }
        guard !Hello.isSent(by: myID, payload), let hello = Hello.parse(payload, hostnamesAllowed: settings.resolveHostnames),
            let m = masterIndex(named: hello.masterName)
        else { return false }
        let known = knowsPeer(m, runID: hello.runID, at: hello.sentinel)
        return !known || max(hello.currentEpoch, hello.masterConfigEpoch) > currentEpoch
            || masters[m].settings.configEpoch < hello.masterConfigEpoch
    }

    /// The entry of the peer a hello comes from, when the hello is valid, names that peer byte for
    /// byte at the address the master it names already lists it at, and carries no epoch above ours
    /// or the master's: then all `processHello` does is note the hello's time there. Read in place,
    /// without building the hello, by the same rules as `Hello.parse` (the known entry's run id, host
    /// and port passed them when it was learnt); nil when it cannot tell so cheaply, and the full
    /// reading decides. Most hellos at rest are such, and each used to be read twice in full
    /// (`helloMayPersist`, then `processHello`).
    func quietHelloSender(_ payload: String) -> (master: Int, peer: Int)? {
        let utf8 = payload.utf8
        let hostnamesAllowed = settings.resolveHostnames
        return Hello.withFieldBounds(utf8) { fields -> (master: Int, peer: Int)? in
            let name = String(Substring(utf8[fields[4]]))
            guard let m = masterIndex(named: name), ValueRules.isMasterName(name),
                let port = Hello.decimal(utf8[fields[1]]),
                let epoch = Hello.decimal(utf8[fields[3]]), let configEpoch = Hello.decimal(utf8[fields[7]]),
                epoch >= 0, configEpoch >= 0, max(epoch, configEpoch) <= currentEpoch, configEpoch <= masters[m].settings.configEpoch,
                let masterPort = Hello.decimal(utf8[fields[6]]), ValueRules.isListeningPort(masterPort),
                ValueRules.isHost(String(Substring(utf8[fields[5]])), hostnamesAllowed: hostnamesAllowed)
            else { return nil }
            let runID = utf8[fields[2]]
            let host = utf8[fields[0]]
            for s in masters[m].sentinels.indices {
                guard masters[m].sentinels[s].instance.address.port == port,
                    let known = masters[m].sentinels[s].instance.runID, known.utf8.elementsEqual(runID)
                else { continue }
                guard known != myID, masters[m].sentinels[s].instance.address.host.utf8.elementsEqual(host),
                    ValueRules.isRunID(known), ValueRules.isListeningPort(port),
                    ValueRules.isHost(masters[m].sentinels[s].instance.address.host, hostnamesAllowed: hostnamesAllowed)
                else { return nil }
                return (m, s)
            }
            return nil
        } ?? nil
    }

    /// Whether master `m` lists the peer under this run id at this address. An index loop: a
    /// `contains` closure copied each peer's entry to read two fields of it, on every hello.
    func knowsPeer(_ m: Int, runID: String, at address: Address) -> Bool {
        for s in masters[m].sentinels.indices
        where masters[m].sentinels[s].instance.runID == runID && masters[m].sentinels[s].instance.address.sameAs(address) {
            return true
        }
        return false
    }

    mutating func processHello(_ payload: String, now: Instant) -> [Effect] {
        if let (m, s) = quietHelloSender(payload) {
            masters[m].sentinels[s].lastHello = now
            return []
        }
        guard !Hello.isSent(by: myID, payload), let hello = Hello.parse(payload, hostnamesAllowed: settings.resolveHostnames), let m = masterIndex(named: hello.masterName) else {
            return []
        }
        var effects: [Effect] = []
        let masterName = masters[m].name
        let known = knowsPeer(m, runID: hello.runID, at: hello.sentinel)
        if !known {
            learnPeer(hello, masterIndex: m, now: now, into: &effects)
        }
        // A configuration epoch is always taken from a current epoch, so a peer whose hello carries a
        // higher one than its own current epoch is behind or lying; either way our current epoch must
        // not stay below a configuration epoch we adopt (a restart would raise it, and the file change).
        let epochSeen = max(hello.currentEpoch, hello.masterConfigEpoch)
        if epochSeen > currentEpoch {
            currentEpoch = epochSeen
            effects.append(.persistConfig)
            effects.append(.emit(.newEpoch(master: masterName, epoch: currentEpoch)))
        }
        if let m = masterIndex(named: masterName), masters[m].settings.configEpoch < hello.masterConfigEpoch {
            adoptNewerConfiguration(hello, masterIndex: m, now: now, into: &effects)
        }
        if let m = masterIndex(named: masterName), let s = masters[m].sentinelIndex(runID: hello.runID) {
            masters[m].sentinels[s].lastHello = now
        }
        return effects
    }

    /// A peer not known at this address with this id under this master (§5 step 2): a stale entry of
    /// the same id under this master moved; a different id claiming the address restarted with a new
    /// id and is forgotten everywhere. The peer's address is then brought up to date under the other
    /// masters too. Only this master's list is pruned by id: a peer is learnt under each master from
    /// that master's own hellos, so pruning every master would undo what the others just learnt, and
    /// with two masters the peer would flap between them for ever.
    /// Links follow at the end: a link no master names any more closes, and the peer's new address
    /// gets one link for every master that follows it there.
    private mutating func learnPeer(_ hello: Hello, masterIndex m: Int, now: Instant, into effects: inout [Effect]) {
        defer { refreshPeerLinks(now: now, into: &effects) }
        let masterName = masters[m].name
        var removed = 0
        if masters[m].sentinelIndex(runID: hello.runID) != nil {
            masters[m].sentinels.removeAll { $0.instance.runID == hello.runID }
            removed = 1
            effects += event(about: ref(masterName, .master)) { .sentinelAddressSwitch($0, address: hello.sentinel, runID: hello.runID) }
        } else if let stale = masters[m].sentinels.first(where: { $0.instance.address.sameAs(hello.sentinel) }),
            let staleID = stale.instance.runID
        {
            effects += event(about: ref(masterName, .sentinel(staleID))) { .sentinelInvalidAddress($0) }
            removed = removePeerEverywhere(runID: staleID, into: &effects)
        }
        guard masters[m].sentinels.count < CoreLimits.maxSentinelsPerMaster else { return }
        masters[m].sentinels.append(
            PeerSentinel(address: hello.sentinel, runID: hello.runID, downAfter: masters[m].settings.downAfterMilliseconds, now: now))
        if removed == 0 { effects += event(about: ref(masterName, .sentinel(hello.runID))) { .sentinelAdded($0) } }
        updatePeerAddressUnderOtherMasters(runID: hello.runID, to: hello.sentinel, except: m, now: now, into: &effects)
        effects.append(.persistConfig)
    }

    /// Redis's sentinelUpdateSentinelAddressInAllMasters: the same peer known at an older address
    /// under other masters follows it there, to the link of the new address (`learnPeer` refreshes them).
    private mutating func updatePeerAddressUnderOtherMasters(runID: String, to address: Address, except m: Int, now: Instant,
                                                             into effects: inout [Effect]) {
        var updated = 0
        for other in masters.indices where other != m {
            guard let s = masters[other].sentinelIndex(runID: runID), !masters[other].sentinels[s].instance.address.sameAs(address)
            else { continue }
            masters[other].sentinels[s].instance.address = address
            updated += 1
        }
        if updated > 0 {
            effects += event(about: ref(masters[m].name, .sentinel(runID))) { .sentinelAddressUpdate($0, count: updated) }
        }
    }

    /// Forgets a peer under every master; returns how many entries were removed. Its link closes
    /// when `learnPeer` refreshes the links.
    private mutating func removePeerEverywhere(runID: String, into effects: inout [Effect]) -> Int {
        var removed = 0
        for m in masters.indices {
            guard masters[m].sentinelIndex(runID: runID) != nil else { continue }
            masters[m].sentinels.removeAll { $0.instance.runID == runID }
            removed += 1
        }
        return removed
    }

    /// A peer announces a configuration with a higher epoch: adopt it, and follow the new address.
    ///
    /// The switch is announced from the address clients were last given: while our own failover is
    /// past its promotion, that is the promoted replica (see `currentMasterAddress`), though the
    /// master entry still describes the old master until the failover ends. A later failover of the
    /// promoted replica (it died before our failover ended) is then announced as a move from it, as
    /// every other sentinel announces it; and a newer configuration naming the replica we promoted
    /// switches the entry without announcing the same move twice.
    private mutating func adoptNewerConfiguration(_ hello: Hello, masterIndex m: Int, now: Instant, into effects: inout [Effect]) {
        let masterName = masters[m].name
        let entryAddress = masters[m].instance.address
        let announcedAddress = currentMasterAddress(m)
        Invariant.configEpochNeverDecreases(master: masterName, from: masters[m].settings.configEpoch, to: hello.masterConfigEpoch,
                                            currentEpoch: currentEpoch)
        masters[m].settings.configEpoch = hello.masterConfigEpoch
        effects.append(.persistConfig)
        guard !sameAddress(entryAddress, hello.master) else {
            abortSupersededFailover(m, configEpoch: hello.masterConfigEpoch, now: now, into: &effects)
            return
        }
        if !sameAddress(announcedAddress, hello.master) {
            effects += event(about: ref(masterName, .sentinel(hello.runID))) { .configUpdateFrom($0) }
            effects.append(.emit(.switchMaster(master: masterName, from: announced(announcedAddress), to: hello.master)))
            queueClientReconfigScript(m, role: "observer", from: announcedAddress, to: hello.master, now: now)
        }
        switchMasterAddress(m, to: hello.master, now: now, into: &effects)
    }

    /// Our failover of this master, if any, had an epoch that the configuration just adopted has
    /// reached: that configuration wins (peers follow the highest config epoch), so ours must not be
    /// promoted or announced. Left running, its promotion would put the config epoch back to its own
    /// epoch, or claim a second configuration under the same one. Redis lets it run.
    private mutating func abortSupersededFailover(_ m: Int, configEpoch: Int64, now: Instant, into effects: inout [Effect]) {
        guard let failover = masters[m].failover, failover.epoch <= configEpoch else { return }
        abortFailover(m, reason: .superseded, now: now, into: &effects)
    }

    /// Redis's reset-and-change-address: the new master's old entry goes, the old master becomes a
    /// replica entry (so it is demoted when it returns), peers are kept, everything else is fresh.
    /// The replicas once `newAddress` is the master: the known ones but it, and the old master.
    func replicaAddresses(_ m: Int, underMaster newAddress: Address) -> [Address] {
        let oldAddress = masters[m].instance.address
        var addresses = masters[m].replicas.map(\.instance.address).filter { !$0.sameAs(newAddress) }
        if !oldAddress.sameAs(newAddress), !addresses.contains(where: { $0.sameAs(oldAddress) }) {
            // The old master is always kept, since it must be demoted when it returns; the list stays
            // within the bound even when the master listed as many replicas as the bound allows.
            addresses = Array(addresses.prefix(CoreLimits.maxReplicasPerMaster - 1))
            addresses.append(oldAddress)
        }
        return Array(addresses.prefix(CoreLimits.maxReplicasPerMaster))
    }

    mutating func switchMasterAddress(_ m: Int, to newAddress: Address, now: Instant, into effects: inout [Effect]) {
        let replicaAddresses = replicaAddresses(m, underMaster: newAddress)
        resolve(newAddress.host)
        let peers = masters[m].sentinels
        closeLinks(of: ref(masters[m].name, .master), into: &effects)
        for replica in masters[m].replicas { closeLinks(of: ref(masters[m].name, .replica(replica.name)), into: &effects) }
        var settings = masters[m].settings
        settings.address = newAddress
        var fresh = MasterState(settings: settings, now: now)
        fresh.sentinels = peers
        fresh.ledEpoch = masters[m].ledEpoch
        for address in replicaAddresses {
            let replica = makeReplica(address, downAfter: settings.downAfterMilliseconds, now: now)
            fresh.appendReplica(replica)
        }
        masters[m] = fresh
        for replica in fresh.replicas { effects += event(about: ref(settings.name, .replica(replica.name))) { .replicaAdded($0) } }
        effects.append(.persistConfig)
    }
}
