import SentinelCore

/// `vigil doctor`: from the live settings of a master, its replicas and its sentinels, what a
/// failover can lose (RPO) and how long clients wait (RTO), each with the reason and the setting
/// that would improve it. Pure: the shell gathers the facts, this decides what they mean.
public enum DeploymentReview {
    public struct NodeFacts: Hashable, Sendable {
        public var address: Address
        public var appendOnly = false
        /// `always`, `everysec` or `no`.
        public var appendFsync = "everysec"
        /// The `save` setting; empty means no RDB snapshots.
        public var save = ""
        public var minReplicasToWrite = 0
        public var minReplicasMaxLag = 10
        public var replBacklogSize: Int64 = 1_048_576
        public var replicaPriority = 100
        /// Replicas only: seconds since the master last heard from it (INFO's `lag`), nil if unknown.
        public var lagSeconds: Int64?
        public var linkUp = true
        /// Replicas only: whether the master has had an acknowledged offset from it. Right after a
        /// diskless full sync, Redis lists the replica online but sends it nothing until its first
        /// acknowledgement (up to a second later).
        public var streaming = true

        public init(address: Address) { self.address = address }
    }

    public struct SentinelFacts: Hashable, Sendable {
        public var address: Address
        public var quorum: Int
        public var downAfterMilliseconds: Int64
        public var failoverTimeoutMilliseconds: Int64
        /// Whether it is Vigil (its INFO says so) rather than redis-sentinel.
        public var isVigil: Bool
        /// Vigil's `vigil-promotion-max-lag-bytes` (0 = off) and `vigil-promotion-catch-up-ms`.
        public var promotionMaxLagBytes: Int64 = 0
        public var promotionCatchUpMilliseconds: Int64 = 0

        public init(address: Address, quorum: Int, downAfterMilliseconds: Int64, failoverTimeoutMilliseconds: Int64, isVigil: Bool) {
            self.address = address
            self.quorum = quorum
            self.downAfterMilliseconds = downAfterMilliseconds
            self.failoverTimeoutMilliseconds = failoverTimeoutMilliseconds
            self.isVigil = isVigil
        }
    }

    public struct Facts: Hashable, Sendable {
        public var masterName: String
        public var master: NodeFacts
        public var replicas: [NodeFacts]
        public var sentinels: [SentinelFacts]
        /// How many sentinels the asked ones know of in all (themselves included).
        public var knownSentinels: Int

        public init(masterName: String, master: NodeFacts, replicas: [NodeFacts], sentinels: [SentinelFacts], knownSentinels: Int) {
            self.masterName = masterName
            self.master = master
            self.replicas = replicas
            self.sentinels = sentinels
            self.knownSentinels = knownSentinels
        }
    }

    public struct Finding: Hashable, Sendable, CustomStringConvertible {
        public enum Area: String, Sendable { case rpo = "RPO", rto = "RTO", availability = "availability" }
        public var area: Area
        /// The setting the finding is about, as the operator would type it.
        public var setting: String
        public var message: String
        public var advice: String?
        public var description: String { message + (advice.map { " " + $0 } ?? "") }
    }

    public struct Report: Hashable, Sendable {
        /// Seconds of acknowledged writes a failover can lose; nil when nothing bounds it.
        public var rpoSeconds: Double?
        /// Seconds from the master's failure until clients can write again, estimated.
        public var rtoSeconds: Double?
        public var findings: [Finding]
        /// The deployment cannot fail over at all.
        public var cannotFailOver: Bool
    }

    public static func review(_ facts: Facts) -> Report {
        var findings: [Finding] = []
        let master = facts.master

        // RPO: replication is asynchronous; only min-replicas-to-write bounds what the master
        // acknowledges without a replica having it.
        var rpo: Double?
        if master.minReplicasToWrite > 0 {
            rpo = Double(master.minReplicasMaxLag)
            findings.append(Finding(
                area: .rpo, setting: "min-replicas-max-lag",
                message: "min-replicas-to-write \(master.minReplicasToWrite) with min-replicas-max-lag \(master.minReplicasMaxLag): the master refuses writes once fewer than \(master.minReplicasToWrite) replica(s) acknowledged within \(master.minReplicasMaxLag) s, so a failover loses at most about \(master.minReplicasMaxLag) s of writes.",
                advice: master.minReplicasMaxLag > 1 ? "Lower min-replicas-max-lag to tighten the bound (writes are refused sooner when replicas fall behind)." : nil))
            if master.minReplicasToWrite > facts.replicas.count {
                findings.append(Finding(
                    area: .availability, setting: "min-replicas-to-write",
                    message: "min-replicas-to-write \(master.minReplicasToWrite) but only \(facts.replicas.count) replica(s): the master refuses every write.",
                    advice: "Add replicas or lower min-replicas-to-write."))
            }
        } else {
            findings.append(Finding(
                area: .rpo, setting: "min-replicas-to-write",
                message: "no min-replicas-to-write: during a partition the old master accepts writes that the failover will discard, for as long as the partition lasts.",
                advice: "Set min-replicas-to-write 1 and min-replicas-max-lag 10 (or less) on the master."))
        }
        if let lagging = facts.replicas.compactMap(\.lagSeconds).max(), lagging > 1 {
            findings.append(Finding(
                area: .rpo, setting: "replication",
                message: "a replica is \(lagging) s behind the master now: a crash at this moment loses up to \(lagging) s of writes.",
                advice: "Check the replicas' network and load."))
            rpo = rpo.map { max($0, Double(lagging)) }
        }
        for replica in facts.replicas where replica.linkUp && !replica.streaming {
            findings.append(Finding(
                area: .rpo, setting: "replication",
                message: "replica \(replica.address) is online but has acknowledged nothing yet (it has just finished a full sync, and the master streams to it only after its first acknowledgement): a master crash at this moment loses every write since the sync that no other replica has.",
                advice: "Wait a second and run the doctor again; this passes on its own. If it stays, check the replica's log."))
        }
        findings.append(contentsOf: promotionBoundFindings(facts))
        if !master.appendOnly && master.save.isEmpty {
            findings.append(Finding(
                area: .rpo, setting: "appendonly",
                message: "appendonly no and no save points: if the master and its replicas all restart, every write is lost.",
                advice: "Set appendonly yes (appendfsync everysec) on the master and replicas."))
        } else if master.appendOnly && master.appendFsync == "everysec" {
            findings.append(Finding(
                area: .rpo, setting: "appendfsync",
                message: "appendfsync everysec: a master crash can lose up to 1 s of writes not yet replicated (and a restarted master without a failover comes back without them).",
                advice: "appendfsync always removes that second at the cost of write latency."))
        } else if master.appendOnly && master.appendFsync == "no" {
            findings.append(Finding(
                area: .rpo, setting: "appendfsync",
                message: "appendfsync no: the operating system decides when writes reach the disk (often 30 s): a master restart can lose that much.",
                advice: "Set appendfsync everysec."))
        }
        if master.replBacklogSize < 16 * 1_048_576 {
            findings.append(Finding(
                area: .rto, setting: "repl-backlog-size",
                message: "repl-backlog-size \(master.replBacklogSize / 1_048_576) MB: a replica that loses its link for more than the backlog holds needs a full resynchronisation before it can be promoted safely.",
                advice: "Size repl-backlog-size to a few minutes of write traffic."))
        }

        // Who can be promoted.
        var cannotFailOver = false
        let promotable = facts.replicas.filter { $0.replicaPriority != 0 && $0.linkUp }
        if facts.replicas.isEmpty {
            cannotFailOver = true
            findings.append(Finding(area: .availability, setting: "replicaof", message: "no replica: there is nothing to fail over to.", advice: "Add at least one replica."))
        } else if promotable.isEmpty {
            cannotFailOver = true
            findings.append(Finding(
                area: .availability, setting: "replica-priority",
                message: "no replica can be promoted (priority 0 or replication link down).",
                advice: "Give at least one healthy replica a non-zero replica-priority."))
        }

        // Sentinels: quorum and majority.
        let quorum = facts.sentinels.map(\.quorum).max() ?? 0
        let total = max(facts.knownSentinels, facts.sentinels.count)
        let majority = total / 2 + 1
        if quorum > total {
            cannotFailOver = true
            findings.append(Finding(
                area: .availability, setting: "quorum",
                message: "quorum \(quorum) but only \(total) sentinel(s): the master can never be agreed down.",
                advice: "Lower the quorum or add sentinels."))
        }
        if total < 3 {
            findings.append(Finding(
                area: .availability, setting: "sentinels",
                message: "\(total) sentinel(s): losing one leaves no majority to elect a leader, so no failover.",
                advice: "Run three or more sentinels on separate machines."))
        } else if total % 2 == 0 {
            findings.append(Finding(
                area: .availability, setting: "sentinels",
                message: "\(total) sentinels: an even number tolerates no more failures than \(total - 1).",
                advice: "Run an odd number of sentinels."))
        }
        if quorum > 0 && quorum < majority {
            findings.append(Finding(
                area: .availability, setting: "quorum",
                message: "quorum \(quorum) is below the majority (\(majority) of \(total)): fewer sentinels can mark the master down than can elect a leader, so a minority side sees failovers it cannot finish.",
                advice: nil))
        }
        var hosts: [String: Int] = [:]
        for sentinel in facts.sentinels { hosts[sentinel.address.host, default: 0] += 1 }
        for (host, count) in hosts.sorted(by: { $0.key < $1.key }) where count > 1 {
            findings.append(Finding(
                area: .availability, setting: "sentinels",
                message: "\(count) sentinels share the host \(host): one machine failure takes \(count) of \(total) down.",
                advice: "Spread sentinels over machines (or failure domains)."))
        }

        // RTO: detection, then agreement and promotion.
        var rto: Double?
        if let downAfter = facts.sentinels.map(\.downAfterMilliseconds).max(), !cannotFailOver {
            let allVigil = facts.sentinels.allSatisfy(\.isVigil)
            // Measured on loopback (README benchmark): Vigil needs tens of milliseconds after
            // down-after, redis-sentinel one to two and a half seconds.
            let failover = allVigil ? 0.2 : 2.5
            rto = Double(downAfter) / 1_000 + failover
            findings.append(Finding(
                area: .rto, setting: "down-after-milliseconds",
                message: "down-after-milliseconds \(downAfter): a failed master is noticed after \(Double(downAfter) / 1_000) s, then "
                    + (allVigil ? "Vigil fails over in about 0.2 s." : "redis-sentinel needs about 1-2.5 s more to agree and promote."),
                advice: downAfter > 5_000 ? "Lower down-after-milliseconds (a few seconds is usual) if the network allows." : nil))
            if let timeout = facts.sentinels.map(\.failoverTimeoutMilliseconds).max(), timeout > 60_000 {
                findings.append(Finding(
                    area: .rto, setting: "failover-timeout",
                    message: "failover-timeout \(timeout): a failover that stalls is retried only after \(timeout * 2 / 1_000) s.",
                    advice: "Set failover-timeout to tens of seconds."))
            }
        }
        return Report(rpoSeconds: rpo, rtoSeconds: rto, findings: findings, cannotFailOver: cannotFailOver)
    }

    /// What `vigil-promotion-max-lag-bytes` does on the sentinels asked (Vigil only).
    static func promotionBoundFindings(_ facts: Facts) -> [Finding] {
        let bounds = facts.sentinels.map(\.promotionMaxLagBytes)
        guard let largest = bounds.max(), largest > 0 else { return [] }
        let wait = facts.sentinels.map(\.promotionCatchUpMilliseconds).max() ?? 0
        var findings = [Finding(
            area: .rpo, setting: "vigil-promotion-max-lag-bytes",
            message: "vigil-promotion-max-lag-bytes \(largest): no replica further behind the master's last reported offset is promoted (a failover waits up to \(wait) ms for one to catch up, then aborts and the master stays down).",
            advice: nil)]
        if bounds.contains(0) || Set(bounds).count > 1 {
            findings.append(Finding(
                area: .rpo, setting: "vigil-promotion-max-lag-bytes",
                message: "the sentinels disagree on vigil-promotion-max-lag-bytes (\(bounds.map(String.init).joined(separator: ", "))): the bound holds only when the leader has it.",
                advice: "Set the same value on every sentinel."))
        }
        return findings
    }
}
