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
        // breaking on every hello), and in place over the payload's bytes: hundreds of hellos come
        // a second with hundreds of masters, and building an array of eight strings for each was
        // most of what reading it cost. Only the fields kept become strings.
        guard let hello = Hello.withFields(of: payload, { fields in Hello(fields, hostnamesAllowed: hostnamesAllowed) }) ?? nil else { return nil }
        self = hello
    }

    private init?(_ fields: HelloFields, hostnamesAllowed: Bool) {
        let host = fields.text(0), runID = fields.text(2), masterName = fields.text(4), masterHost = fields.text(5)
        guard ValueRules.isHost(host, hostnamesAllowed: hostnamesAllowed),
            let port = fields.decimal(1), ValueRules.isListeningPort(port),
            ValueRules.isRunID(runID),
            let epoch = fields.decimal(3).flatMap({ Hello.epoch($0) }),
            ValueRules.isMasterName(masterName),
            ValueRules.isHost(masterHost, hostnamesAllowed: hostnamesAllowed),
            let masterPort = fields.decimal(6), ValueRules.isListeningPort(masterPort),
            let configEpoch = fields.decimal(7).flatMap({ Hello.epoch($0) })
        else { return nil }
        sentinel = Address(host: host, port: port)
        self.runID = runID
        currentEpoch = epoch
        self.masterName = masterName
        master = Address(host: masterHost, port: masterPort)
        masterConfigEpoch = configEpoch
    }

    /// Runs `body` on the payload's eight comma-separated fields, read where the bytes lie; nil
    /// unless there are exactly eight.
    static func withFields<Result>(of payload: String, _ body: (HelloFields) -> Result) -> Result? {
        var payload = payload
        // A native string's bytes are already contiguous: nothing is copied.
        return payload.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: 8) { bounds -> Result? in
                var count = 0
                var start = 0
                // Bounded by the payload's length.
                for index in 0..<bytes.count where bytes[index] == UInt8(ascii: ",") {
                    guard count < 7 else { return nil }
                    bounds.initializeElement(at: count, to: start..<index)
                    count += 1
                    start = index + 1
                }
                guard count == 7 else { return nil }
                bounds.initializeElement(at: count, to: start..<bytes.count)
                // Ranges of integers hold no references: nothing to deinitialize.
                return body(HelloFields(bytes: bytes, bounds: UnsafeBufferPointer(bounds)))
            }
        }
    }

    /// A decimal number as `Int(_:)` reads one (an optional sign, then at least one ASCII digit),
    /// nil on anything else or on overflow; read from the bytes, without a string.
    static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        guard index < bytes.count else { return nil }
        var negative = false
        if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
            guard index < bytes.count else { return nil }
        }
        var value = 0
        // Bounded by the field's length.
        while index < bytes.count {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int(byte - UInt8(ascii: "0"))
            let (tens, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowedAgain) = negative ? tens.subtractingReportingOverflow(digit) : tens.addingReportingOverflow(digit)
            guard !overflowed, !overflowedAgain else { return nil }
            value = sum
            index += 1
        }
        return value
    }

    /// An epoch within 0...CoreLimits.maxEpoch (see `ValueRules.epoch`).
    static func epoch(_ value: Int) -> Int64? {
        (0...CoreLimits.maxEpoch).contains(Int64(value)) ? Int64(value) : nil
    }
}

/// A hello's eight fields as byte ranges of its payload, valid during `Hello.withFields` only.
struct HelloFields {
    let bytes: UnsafeBufferPointer<UInt8>
    let bounds: UnsafeBufferPointer<Range<Int>>

    func field(_ number: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[bounds[number]])) }

    /// The field as a string. The payload was valid UTF-8 and is cut only at ASCII commas, so each
    /// field is too, and nothing is replaced.
    func text(_ number: Int) -> String { String(decoding: field(number), as: UTF8.self) }

    func decimal(_ number: Int) -> Int? { Hello.decimal(field(number)) }

    /// Whether the field holds exactly `text`'s bytes.
    func field(_ number: Int, equals text: String) -> Bool {
        let field = field(number)
        guard text.utf8.count == field.count else { return false }
        return text.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(field) } ?? text.utf8.elementsEqual(field)
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
        guard !Hello.isSent(by: myID, payload), quietHelloSender(payload) == nil, let hello = Hello.parse(payload, hostnamesAllowed: settings.resolveHostnames),
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
        // Read into locals first: a closure that uses `self` copies the whole core.
        let hostnamesAllowed = settings.resolveHostnames
        let masters = masters, masterSlots = masterSlots, currentEpoch = currentEpoch, myID = myID
        return Hello.withFields(of: payload) { fields -> (master: Int, peer: Int)? in
            // A configured master's name passed `isMasterName`, and a listed peer's run id `isRunID`.
            guard let m = Sentinel.masterIndex(named: fields.text(4), in: masters, slots: masterSlots),
                let port = fields.decimal(1), ValueRules.isListeningPort(port),
                let epoch = fields.decimal(3), let configEpoch = fields.decimal(7),
                epoch >= 0, configEpoch >= 0, max(epoch, configEpoch) <= currentEpoch, configEpoch <= masters[m].settings.configEpoch,
                let masterPort = fields.decimal(6), ValueRules.isListeningPort(masterPort),
                ValueRules.isHost(fields.text(5), hostnamesAllowed: hostnamesAllowed)
            else { return nil }
            for s in masters[m].sentinels.indices {
                guard masters[m].sentinels[s].instance.address.port == port,
                    let known = masters[m].sentinels[s].instance.runID, fields.field(2, equals: known)
                else { continue }
                guard known != myID, fields.field(0, equals: masters[m].sentinels[s].instance.address.host),
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
        guard !Hello.isSent(by: myID, payload) else { return [] }
        if let (m, s) = quietHelloSender(payload) {
            masters[m].sentinels[s].lastHello = now
            return []
        }
        guard let hello = Hello.parse(payload, hostnamesAllowed: settings.resolveHostnames), let m = masterIndex(named: hello.masterName) else {
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
