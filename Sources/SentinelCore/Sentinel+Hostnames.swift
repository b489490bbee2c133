/// `resolve-hostnames` and `announce-hostnames` (§6). Redis keeps a hostname (as given) and the IP it
/// resolved to for every address; the core keeps the hostname in `Address` and the IPs here, asking
/// the shell (`SentinelEnvironment.resolveHost`) when an address is created or reconnected, as Redis does.
extension Sentinel {
    /// Redis's addr->ip: the host itself when numeric, else the IP it last resolved to ("" if never).
    func ip(of host: String) -> String {
        if IPLiteral.isValid(host) { return host }
        return resolvedHosts[host.lowercased()] ?? ""
    }

    /// How an address is shown in replies, events, hellos, the config and commands sent to Redis
    /// (Redis's announceSentinelAddr): the hostname with announce-hostnames, else the IP.
    func announcedHost(_ address: Address) -> String {
        // Without resolve-hostnames every address is numeric, so the host is the IP.
        if settings.announceHostnames || !settings.resolveHostnames { return address.host }
        return ip(of: address.host)
    }

    func announced(_ address: Address) -> Address {
        Address(host: announcedHost(address), port: address.port)
    }

    /// The address the config file keeps: the announced one, or the hostname while it has never
    /// resolved (an empty IP would make the file unreadable at the next start).
    func persisted(_ address: Address) -> Address {
        let host = announcedHost(address)
        return Address(host: host.isEmpty ? address.host : host, port: address.port)
    }

    /// Redis's sentinelAddrOrHostnameEqual: the same port, and the same IP or the same hostname. A
    /// hostname not resolved yet (one an instance reports, like INFO's master_host) is resolved now,
    /// as Redis's sentinelAddrEqualsHostname does.
    func sameAddress(_ a: Address, _ b: Address) -> Bool {
        guard a.port == b.port else { return false }
        if a.sameAs(b) { return true }
        func currentIP(_ host: String) -> String {
            let known = ip(of: host)
            guard known.isEmpty, settings.resolveHostnames else { return known }
            return environment.resolveHost(host) ?? ""
        }
        let ipA = currentIP(a.host)
        return !ipA.isEmpty && ipA == currentIP(b.host)
    }

    /// Resolves `host` as Redis's createSentinelAddr does and remembers the answer: a numeric IP is
    /// itself; a hostname needs resolve-hostnames and an answer from the shell. Nil when invalid.
    @discardableResult
    mutating func resolve(_ host: String) -> String? {
        if IPLiteral.isValid(host) { return host }
        guard settings.resolveHostnames, let ip = environment.resolveHost(host) else { return nil }
        resolvedHosts[host.lowercased()] = ip
        return ip
    }

    /// Whether an address reported by an instance (INFO's replica lines) may become an instance:
    /// hostnames only with resolve-hostnames, kept even when they do not resolve yet.
    mutating func acceptsReportedHost(_ host: String) -> Bool {
        guard settings.resolveHostnames || IPLiteral.isValid(host) else { return false }
        resolve(host)
        return true
    }

    /// A replica entry named as Redis names it at creation: its announced `host:port`.
    func makeReplica(_ address: Address, downAfter: Int64, now: Instant) -> ReplicaState {
        ReplicaState(address: address, name: announced(address).description, downAfter: downAfter, now: now)
    }

    /// The known replica Redis finds for a reported address: by its announced name, or the address.
    func replicaIndex(_ m: Int, reportedAt address: Address) -> Int? {
        let name = announced(address).description
        return masters[m].replicas.firstIndex { $0.name == name } ?? masters[m].replicaIndex(at: address)
    }

    /// Resolves every monitored host again, once the shell's resolver is in place (at start).
    mutating func resolveAllHosts() {
        guard settings.resolveHostnames else { return }
        for master in masters {
            resolve(master.instance.address.host)
            for replica in master.replicas { resolve(replica.instance.address.host) }
        }
    }
}
