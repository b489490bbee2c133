import RESP
import SentinelCore

/// Gathers what `vigil doctor` reviews: each sentinel's view of the master (SENTINEL MASTER,
/// REPLICAS, INFO server), then the master's and the replicas' own settings (CONFIG GET, INFO).
public enum DeploymentProbe {
    public struct ProbeError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Each sentinel, the master and the replicas are asked on a connection of their own, within
    /// `timeoutMilliseconds` to connect and as long again for the replies.
    public static func gather(
        master name: String, sentinels: [Address], sentinelCredentials: SentinelQuery.Credentials?,
        nodeCredentials: SentinelQuery.Credentials?, timeoutMilliseconds: Int
    ) throws -> DeploymentReview.Facts {
        var sentinelFacts: [DeploymentReview.SentinelFacts] = []
        var replicaFields: [[String: String]] = []
        var masterAddress: Address?
        var known = 0
        var problems: [String] = []
        for sentinel in sentinels {
            var commands: [[String]] = []
            if let sentinelCredentials { commands.append(sentinelCredentials.authCommand) }
            commands += [["SENTINEL", "MASTER", name], ["SENTINEL", "REPLICAS", name], ["INFO", "server"]]
            let replies: [RESPValue]
            do {
                replies = Array(try BlockingRedisConnection.exchange(commands, with: sentinel, timeoutMilliseconds: timeoutMilliseconds).suffix(3))
            } catch {
                problems.append("\(sentinel): \(error)")
                continue
            }
            if case .error(let message) = replies[0] {
                problems.append("\(sentinel): \(message)")
                continue
            }
            let fields = SentinelReplies.fields(replies[0]) ?? [:]
            guard let host = fields["ip"], let port = fields["port"].flatMap(Int.init), let quorum = fields["quorum"].flatMap(Int.init),
                let downAfter = fields["down-after-milliseconds"].flatMap(Int64.init),
                let failoverTimeout = fields["failover-timeout"].flatMap(Int64.init)
            else {
                problems.append("\(sentinel): SENTINEL MASTER \(name) lacks ip, port, quorum or timeouts")
                continue
            }
            masterAddress = masterAddress ?? Address(host: host, port: port)
            known = max(known, (fields["num-other-sentinels"].flatMap(Int.init) ?? 0) + 1)
            let isVigil = (replies[2].stringValue ?? "").contains("vigil_version:")
            var facts = DeploymentReview.SentinelFacts(address: sentinel, quorum: quorum, downAfterMilliseconds: downAfter,
                                                        failoverTimeoutMilliseconds: failoverTimeout, isVigil: isVigil)
            facts.promotionMaxLagBytes = fields["vigil-promotion-max-lag-bytes"].flatMap(Int64.init) ?? 0
            facts.promotionCatchUpMilliseconds = fields["vigil-promotion-catch-up-ms"].flatMap(Int64.init) ?? 0
            sentinelFacts.append(facts)
            if replicaFields.isEmpty, case .array(let replicas) = replies[1] { replicaFields = replicas.map { SentinelReplies.fields($0) ?? [:] } }
        }
        guard let masterAddress else {
            throw ProbeError(description: "no sentinel described master '\(name)'" + (problems.isEmpty ? "" : ": " + problems.joined(separator: "; ")))
        }
        var master = try node(masterAddress, credentials: nodeCredentials, timeoutMilliseconds: timeoutMilliseconds)
        master.lagSeconds = nil
        let attached = attachedReplicas(try info(masterAddress, credentials: nodeCredentials, timeoutMilliseconds: timeoutMilliseconds))
        var replicas: [DeploymentReview.NodeFacts] = []
        for fields in replicaFields {
            guard let host = fields["ip"], let port = fields["port"].flatMap(Int.init) else { continue }
            let address = Address(host: host, port: port)
            var replica = DeploymentReview.NodeFacts(address: address)
            replica.replicaPriority = fields["slave-priority"].flatMap(Int.init) ?? fields["replica-priority"].flatMap(Int.init) ?? 100
            // The master's own list is fresher than a sentinel's last INFO of the replica.
            let online = attached[address.description]
            replica.linkUp = online?.online ?? (fields["master-link-status"] == "ok" && !(fields["flags"] ?? "").contains("s_down"))
            replica.lagSeconds = online?.lag
            replica.streaming = online?.streaming ?? true
            replicas.append(replica)
        }
        return DeploymentReview.Facts(masterName: name, master: master, replicas: replicas, sentinels: sentinelFacts, knownSentinels: known)
    }

    /// The master's persistence and replication settings, from CONFIG GET.
    static func node(_ address: Address, credentials: SentinelQuery.Credentials?, timeoutMilliseconds: Int) throws
        -> DeploymentReview.NodeFacts
    {
        let names = ["appendonly", "appendfsync", "save", "min-replicas-to-write", "min-replicas-max-lag", "repl-backlog-size"]
        var commands: [[String]] = []
        if let credentials { commands.append(credentials.authCommand) }
        commands.append(["CONFIG", "GET"] + names)
        let reply: RESPValue
        do {
            reply = try BlockingRedisConnection.exchange(commands, with: address, timeoutMilliseconds: timeoutMilliseconds).last!
        } catch {
            throw ProbeError(description: "master \(address): \(error)")
        }
        if case .error(let message) = reply { throw ProbeError(description: "master \(address): CONFIG GET refused: \(message)") }
        let settings = SentinelReplies.fields(reply) ?? [:]
        var facts = DeploymentReview.NodeFacts(address: address)
        facts.appendOnly = settings["appendonly"] == "yes"
        facts.appendFsync = settings["appendfsync"] ?? "everysec"
        facts.save = settings["save"] ?? ""
        facts.minReplicasToWrite = settings["min-replicas-to-write"].flatMap(Int.init) ?? 0
        facts.minReplicasMaxLag = settings["min-replicas-max-lag"].flatMap(Int.init) ?? 10
        facts.replBacklogSize = settings["repl-backlog-size"].flatMap(Int64.init) ?? 1_048_576
        return facts
    }

    static func info(_ address: Address, credentials: SentinelQuery.Credentials?, timeoutMilliseconds: Int) throws -> String {
        var commands: [[String]] = []
        if let credentials { commands.append(credentials.authCommand) }
        commands.append(["INFO", "replication"])
        do {
            return try BlockingRedisConnection.exchange(commands, with: address, timeoutMilliseconds: timeoutMilliseconds).last?.stringValue ?? ""
        } catch {
            throw ProbeError(description: "master \(address): \(error)")
        }
    }

    /// The master's `slaveN:` lines (read by the core's InfoReport): whether each replica is online,
    /// whether it is streaming (after a diskless full sync, Redis 7.0 says online but sends nothing
    /// until the replica's first acknowledged offset, up to a second later), and its lag in seconds.
    static func attachedReplicas(_ info: String) -> [String: (online: Bool, streaming: Bool, lag: Int64?)] {
        var replicas: [String: (online: Bool, streaming: Bool, lag: Int64?)] = [:]
        for line in InfoReport(parsing: info).replicaLines {
            replicas[line.address.description] = (line.isOnline, line.isOnline && (line.offset ?? 0) > 0, line.lag)
        }
        return replicas
    }

}
