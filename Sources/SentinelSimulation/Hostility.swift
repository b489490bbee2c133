import SentinelCore

/// The lying side of a hostile world: what nodes and peers say instead of the truth, and what the
/// checkers then ask of every sentinel. Honest worlds have none.
struct Hostility: Sendable {
    var values: HostileValues
    /// Lies start after discovery, so the sentinels first know the real deployment.
    var active = false
    /// Chance in a thousand that a node's reply or a peer's reply is replaced by a lie.
    var lyingNodePerMille: Int64
    var lyingPeerPerMille: Int64
    /// The config file each sentinel last wrote, as text: a restart must load it.
    var configTexts: [Int: String] = [:]
    var liesTold = 0
    /// Votes a lying peer forged (the run id it named, the epoch): a sentinel elected with one of
    /// them was elected by a lie, which Sentinel's election cannot tell from a vote.
    var forgedVotes: Set<ForgedVote> = []

    struct ForgedVote: Hashable, Sendable {
        var leader: String
        var epoch: Int64
    }

    init(seed: UInt64) {
        values = HostileValues(random: SplitMix64(seed: seed ^ 0x11E5))
        lyingNodePerMille = 50 + values.random.below(300)
        lyingPeerPerMille = 50 + values.random.below(300)
    }

    /// A node's reply as a liar would give it: INFO with fields at their edges, or any other shape.
    mutating func lie(about reply: RedisValue, to words: [String], realAddresses: [Address], realRunIDs: [String]) -> RedisValue {
        liesTold += 1
        guard words.first?.uppercased() == "INFO", case .string(let info) = reply, values.chance(800) else {
            return values.redisValue()
        }
        return .string(lyingInfo(info, realAddresses: realAddresses, realRunIDs: realRunIDs))
    }

    /// Real INFO with some fields replaced and lines added: huge and negative numbers, bad ports,
    /// CR/LF inside values, hundreds of replica lines, the master named as its own replica.
    mutating func lyingInfo(_ info: String, realAddresses: [Address], realRunIDs: [String]) -> String {
        var lines = info.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        for index in lines.indices where values.chance(300) {
            guard let colon = lines[index].firstIndex(of: ":") else { continue }
            let key = lines[index][..<colon]
            let value = key.hasPrefix("slave") && key.dropFirst(5).allSatisfy(\.isNumber) ? lyingReplicaFields(realAddresses) : lyingField(String(key), realAddresses, realRunIDs)
            lines[index] = key + ":" + value
        }
        let extraKeys = ["master_link_down_since_seconds", "slave_repl_offset", "slave_priority", "master_host", "master_port",
                         "role", "run_id", "master_link_status", "replica_announced", "master_sync_in_progress", "min_slaves_good_slaves"]
        for _ in 0..<Int(values.random.below(4)) {
            let key = values.pick(extraKeys)
            lines.insert(key + ":" + lyingField(key, realAddresses, realRunIDs), at: Int(values.random.below(Int64(lines.count + 1))))
        }
        if values.chance(100) {
            let count = Int(values.random.below(3_000))
            lines += (0..<count).map { "slave\($0):ip=10.77.\($0 / 250).\($0 % 250),port=6379,state=online,offset=\($0),lag=0" }
        } else if values.chance(300) {
            lines.append("slave\(values.random.below(20)):" + lyingReplicaFields(realAddresses))
        }
        if values.chance(50) { lines.append(values.text()) }
        return lines.joined(separator: "\r\n")
    }

    mutating func lyingField(_ key: String, _ realAddresses: [Address], _ realRunIDs: [String]) -> String {
        switch key {
        case "run_id": return values.runID(real: realRunIDs)
        case "master_host": return values.host(real: realAddresses)
        case "master_port": return values.port()
        case "role": return values.pick(["master", "slave", "sentinel", "", "replica", values.text()])
        case "master_link_status": return values.pick(["up", "down", "", values.text()])
        default: return values.chance(800) ? values.number() : values.text()
        }
    }

    mutating func lyingReplicaFields(_ realAddresses: [Address]) -> String {
        var fields = [
            "ip=" + values.host(real: realAddresses), "port=" + values.port(),
            "state=" + values.pick(["online", "wait_bgsave", "send_bulk", "", values.text()]),
            "offset=" + values.number(), "lag=" + values.number(),
        ]
        if values.chance(200) { fields.shuffle(using: &values.random) }
        if values.chance(100) { fields.removeLast(Int(values.random.below(Int64(fields.count)))) }
        return fields.joined(separator: ",")
    }

    /// A hello in the format of `Sentinel+Hello.swift`, each field true or a lie.
    mutating func hello(masters: [(name: String, address: Address)], peers: [(address: Address, runID: String)], epoch: Int64) -> String {
        let master = masters.isEmpty ? (name: "mymaster", address: Address(host: "10.0.0.1", port: 6379)) : values.pick(masters)
        let peer = peers.isEmpty ? (address: Address(host: "10.255.9.99", port: 26379), runID: values.hex(40)) : values.pick(peers)
        func field(_ truth: String, _ lie: () -> String) -> String { values.chance(600) ? lie() : truth }
        var fields = [
            field(peer.address.host) { values.host(real: masters.map(\.address)) },
            field(String(peer.address.port)) { values.port() },
            field(values.chance(500) ? values.hex(40) : peer.runID) { values.runID(real: peers.map(\.runID)) },
            field(String(epoch &+ values.random.below(3))) { values.number() },
            field(master.name) { values.text() },
            field(master.address.host) { values.host(real: masters.map(\.address)) },
            field(String(master.address.port)) { values.port() },
            field(String(epoch)) { values.number() },
        ]
        if values.chance(50) { fields.removeLast() }
        if values.chance(50) { fields.append(values.text()) }
        return fields.joined(separator: ",")
    }

    /// `SENTINEL IS-MASTER-DOWN-BY-ADDR`, as a lying peer asks it.
    mutating func askMasterDown(masters: [Address], peers: [String], epoch: Int64) -> [String] {
        let master = masters.isEmpty ? Address(host: "10.0.0.1", port: 6379) : values.pick(masters)
        return [
            "IS-MASTER-DOWN-BY-ADDR",
            values.chance(700) ? master.host : values.host(real: masters),
            values.chance(700) ? String(master.port) : values.port(),
            values.chance(500) ? String(epoch &+ 1 &+ values.random.below(3)) : values.number(),
            values.chance(300) ? "*" : values.runID(real: peers),
        ]
    }

    /// What an operator's client, or anyone who reached the port, might set: every field at its edges.
    mutating func operatorCommand(masterNames: [String]) -> [String] {
        let name = masterNames.isEmpty || values.chance(100) ? values.text() : values.pick(masterNames)
        switch values.random.below(5) {
        case 0, 1:
            let field = values.pick([
                "down-after-milliseconds", "failover-timeout", "parallel-syncs", "quorum", "auth-pass", "auth-user",
                "rename-command", "master-reboot-down-after-period", "notification-script", "client-reconfig-script",
            ])
            var command = ["SET", name, field, values.chance(600) ? values.number() : values.text()]
            if field == "rename-command" { command.append(values.text()) }
            return command
        case 2:
            let parameter = values.pick(["resolve-hostnames", "announce-hostnames", "announce-ip", "announce-port", "sentinel-user", "sentinel-pass", "loglevel"])
            return ["CONFIG", "SET", parameter, values.chance(500) ? values.number() : values.text()]
        case 3:
            let parameter = values.pick([
                "info-period", "ping-period", "ask-period", "publish-period", "default-down-after", "default-failover-timeout",
                "tilt-trigger", "tilt-period", "slave-reconf-timeout", "min-link-reconnect-period", "election-timeout",
                "script-max-runtime", "script-retry-delay",
            ])
            // Only values a period must refuse: a valid 1 ms period would just make the world slow.
            return ["DEBUG", parameter, values.pick(["0", "-1", "", "9223372036854775807", "18446744073709551615", "1e9", values.text()])]
        default:
            return ["MONITOR", values.chance(500) ? "extra-\(values.random.below(3))" : values.text(), values.host(real: []), values.port(), values.number()]
        }
    }
}
