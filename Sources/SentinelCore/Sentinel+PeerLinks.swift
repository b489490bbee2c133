/// One peer sentinel as a network endpoint. Every master that knows the peer under this run id at
/// this address shares one connection to it, as Redis shares a link among sentinel instances of
/// the same run id and address (`link-refcount`): with 200 masters and 2 peers that is 2
/// connections and 2 PINGs a second instead of 400. The address is part of the key so that a
/// hello naming a known run id at another address never sends the peer's traffic there, and
/// replies read on one address reach only the entries that name that address.
struct PeerLinkKey: Hashable, Comparable, Sendable {
    var runID: String
    var address: Address

    static func < (lhs: PeerLinkKey, rhs: PeerLinkKey) -> Bool {
        (lhs.runID, lhs.address) < (rhs.runID, rhs.address)
    }
}

/// The connection to one peer and its ping bookkeeping (Redis's instanceLink). Which peer entries
/// see it as their link: see `Sentinel.instance(_:)` and `withInstance`.
struct PeerLink: Hashable, Sendable {
    var link: InstanceLink
    /// How many masters list the peer at this address: `link-refcount`, and the pending-commands
    /// bound is this many times the one of a link that serves one master.
    var refcount: Int
}

extension InstanceLink {
    /// This link, with the hello time of `other`: hellos are about one master each, so when each was
    /// last published is the master's own, even on a link the master shares.
    func withOwnHello(of other: InstanceLink) -> InstanceLink {
        var link = self
        link.lastHelloPublished = other.lastHelloPublished
        return link
    }
}

extension Sentinel {
    func peerLinkKey(_ peer: PeerSentinel) -> PeerLinkKey? {
        peer.instance.runID.map { PeerLinkKey(runID: $0, address: peer.instance.address) }
    }

    func peerLinkKey(of target: InstanceRef) -> PeerLinkKey? {
        guard case .sentinel(let runID) = target.member, let m = masterIndex(of: target),
            let s = sentinelIndex(m, runID: runID, hint: target.position)
        else { return nil }
        return PeerLinkKey(runID: runID, address: masters[m].sentinels[s].instance.address)
    }

    /// The link a peer entry uses (the shared one; the entry's own only before the table knows it).
    /// A `PeerSentinel`'s own `instance.link` keeps only its master's hello time up to date.
    public func link(of peer: PeerSentinel) -> InstanceLink {
        guard let key = peerLinkKey(peer), let shared = peerLinks[key] else { return peer.instance.link }
        return shared.link.withOwnHello(of: peer.instance.link)
    }

    /// The first master's entry (in the masters' order) that uses a peer link: it speaks for the link
    /// where one master must be named (the AUTH, CLIENT SETNAME and PING of a new connection go
    /// through its rename-command table, as in Redis, where the instance that connected does).
    func firstPeerLinkUser(_ key: PeerLinkKey) -> InstanceRef? {
        for m in masters.indices {
            guard let s = masters[m].sentinelIndex(runID: key.runID), masters[m].sentinels[s].instance.address == key.address
            else { continue }
            return ref(masters[m].settings.name, .sentinel(key.runID))
        }
        return nil
    }

    /// How many requests may wait on an instance's command link before periodic ones are skipped:
    /// Redis's bound, times the masters a shared peer link serves (each sends its own hellos on it).
    func pendingCommandsLimit(_ target: InstanceRef) -> Int {
        guard let key = peerLinkKey(of: target), let shared = peerLinks[key] else { return CoreLimits.maxPendingCommandsPerLink }
        return Sentinel.peerPendingLimit(refcount: shared.refcount)
    }

    /// Whether two strings are the same value in the same storage (or the same small string), which
    /// `==` sees at once. Only ever a shortcut: equal strings in different storage are equal too.
    static func sameStorage(_ a: String, _ b: String) -> Bool {
        unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self)
    }

    static func peerPendingLimit(refcount: Int) -> Int { CoreLimits.maxPendingCommandsPerLink * max(1, refcount) }

    /// Brings the shared peer links up to date with the masters' peer lists, after peers were learnt,
    /// moved or forgotten, or masters added or removed: a peer known at a new place gets a fresh link
    /// (disconnected, its silence counted from now, as a new instance's), each link's refcount is
    /// recounted, and a link no master names any more is closed and dropped. Each entry is given the
    /// table key's own run id string where it holds an equal one of its own (learnt from another
    /// hello, or read from the config), so that the beat's search of the links (`SharedPeerLinks`)
    /// finds them equal without reading their characters.
    mutating func refreshPeerLinks(now: Instant, into effects: inout [Effect]) {
        var counts: [PeerLinkKey: Int] = [:]
        for m in masters.indices {
            for s in masters[m].sentinels.indices {
                guard let key = peerLinkKey(masters[m].sentinels[s]) else { continue }
                counts[key, default: 0] += 1
                guard let stored = peerLinks.index(forKey: key) else {
                    peerLinks[key] = PeerLink(link: InstanceLink(needsPubsub: false, now: now), refcount: 0)
                    continue
                }
                let tableRunID = peerLinks.keys[stored].runID
                if !Sentinel.sameStorage(tableRunID, key.runID) { masters[m].sentinels[s].instance.runID = tableRunID }
            }
        }
        for key in peerLinks.keys.sorted() {
            if let count = counts[key] {
                peerLinks[key]!.refcount = count
                continue
            }
            if let id = peerLinks[key]!.link.commandLink {
                linkOwners[id] = nil
                effects.append(.disconnect(id))
            }
            peerLinks[key] = nil
        }
    }
}

extension Sentinel {
    /// Where the shared peer links disagree with the masters' peer lists: a peer entry whose link is
    /// missing or miscounted, a link kept for a peer nobody knows, a connection owned by a peer link
    /// that is not that link's. Empty unless a path that learns or forgets peers skipped
    /// `refreshPeerLinks`; the simulator checks it after every step.
    public func peerLinkInconsistencies() -> [String] {
        var counts: [PeerLinkKey: Int] = [:]
        for m in masters.indices {
            for s in masters[m].sentinels.indices {
                if let key = peerLinkKey(masters[m].sentinels[s]) { counts[key, default: 0] += 1 }
            }
        }
        var problems: [String] = []
        for (key, count) in counts where peerLinks[key]?.refcount != count {
            let refcount = peerLinks[key].map { String($0.refcount) } ?? "no link"
            problems.append("peer \(key.runID) at \(key.address) is known under \(count) masters, its link counts \(refcount)")
        }
        for key in peerLinks.keys where counts[key] == nil {
            problems.append("a link to peer \(key.runID) at \(key.address) is kept, but no master knows the peer there")
        }
        for (id, owner) in linkOwners {
            if case .peer(let key) = owner, peerLinks[key]?.link.commandLink != id {
                problems.append("\(id) belongs to peer \(key.runID) at \(key.address), whose link is another")
            }
        }
        return problems.sorted()
    }
}
