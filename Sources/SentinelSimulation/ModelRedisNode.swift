import SentinelCore

/// A Redis node as the simulator models it: enough to answer what a sentinel sends.
public struct ModelRedisNode: Sendable {
    public enum Role: Sendable, Equatable {
        case master
        case replica(of: Address)
    }

    public var address: Address
    public var runID: String
    public var role: Role
    public var replicationOffset: Int64 = 0
    /// Redis's `master_replid`: a master's own history; a replica takes its master's (the world
    /// copies it as it copies offsets). `master_replid2` is the history a promoted node continued.
    public var replicationID: String
    public var previousReplicationID = String(repeating: "0", count: 40)
    /// Promotions so far, which make each new replication id of this node unique.
    var promotions = 0
    /// Where the history it continued (`previousReplicationID`) ends: the offset it was promoted at,
    /// Redis's `second_replid_offset`. Every write of that history it holds lies at or below it.
    public var promotedAtOffset: Int64 = 0
    /// `CLIENT PAUSE <ms> WRITE`: its clients' writes wait until then (or `CLIENT UNPAUSE`).
    public var writesPausedUntil: Instant?
    public var priority = 100
    /// Seconds since a replica last heard its master, nil while the link is up.
    public var masterLinkDownSeconds: Int64?
    /// SIGSTOP: accepts connections, answers nothing until resumed.
    public var paused = false
    /// Down: refuses connections, drops existing ones.
    public var crashed = false

    public init(address: Address, runID: String, role: Role) {
        self.address = address
        self.runID = runID
        self.role = role
        self.replicationID = runID
    }

    /// A replica made master starts a new history and keeps the one it followed as the second, as
    /// Redis does on REPLICAOF NO ONE or FAILOVER; so an old master that comes back still shows the
    /// history its successor was promoted from.
    public mutating func startNewHistory() {
        guard !isMaster else { return }
        promotions += 1
        previousReplicationID = replicationID
        promotedAtOffset = replicationOffset
        let counter = String(promotions, radix: 16)
        replicationID = String(runID.prefix(40 - counter.count)) + counter
        role = .master
    }

    /// A restarted node's history is new, as Redis's is when a master restarts.
    public mutating func restart(runID: String) {
        self.runID = runID
        replicationID = runID
        previousReplicationID = String(repeating: "0", count: 40)
        crashed = false
        writesPausedUntil = nil
    }

    /// The reply to one command, as Redis would give it, changing the node where the command does.
    /// MULTI/EXEC are applied command by command: nothing else runs in between in the model.
    public mutating func reply(to words: [String], replicas: [ModelRedisNode]) -> RedisValue {
        switch words.first?.uppercased() {
        case "PING": return .status("PONG")
        case "INFO": return .string(info(replicas: replicas))
        case "PUBLISH": return .integer(0)
        case "SUBSCRIBE": return .array([.string("subscribe"), .string(words.count > 1 ? words[1] : ""), .integer(1)])
        case "CLIENT", "AUTH", "MULTI", "CONFIG": return .status("OK")
        case "EXEC": return .array([])
        case "SLAVEOF", "REPLICAOF":
            guard words.count == 3 else { return .error("ERR wrong number of arguments") }
            if words[1].uppercased() == "NO" {
                startNewHistory()
            } else if let port = Int(words[2]) {
                role = .replica(of: Address(host: words[1], port: port))
            }
            return .status("OK")
        default: return .error("ERR unknown command '\(words.first ?? "")'")
        }
    }

    public var isMaster: Bool { role == .master }
    /// Whether its clients' writes (and PUBLISH, which Redis holds back with them) wait at `now`.
    public func writesPaused(at now: Instant) -> Bool { writesPausedUntil.map { now < $0 } ?? false }
    public var isUp: Bool { !paused && !crashed }

    func info(replicas: [ModelRedisNode]) -> String {
        var lines = ["# Server", "run_id:\(runID)", "# Replication"]
        switch role {
        case .master:
            lines.append("role:master")
            for (index, replica) in replicas.enumerated() {
                lines.append("slave\(index):ip=\(replica.address.host),port=\(replica.address.port),state=online,offset=\(replica.replicationOffset),lag=0")
            }
        case .replica(let master):
            lines += [
                "role:slave", "master_host:\(master.host)", "master_port:\(master.port)",
                "master_link_status:\(masterLinkDownSeconds == nil ? "up" : "down")",
                "slave_repl_offset:\(replicationOffset)", "slave_priority:\(priority)", "replica_announced:1",
            ]
            // Redis shows how long the link has been down only while it is.
            if let seconds = masterLinkDownSeconds { lines.append("master_link_down_since_seconds:\(seconds)") }
        }
        lines += ["master_replid:\(replicationID)", "master_replid2:\(previousReplicationID)", "master_repl_offset:\(replicationOffset)"]
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
