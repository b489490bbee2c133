import SentinelCore

extension SimulationWorld {
    public mutating func pause(node: Int) { nodes[node].paused = true }

    public mutating func resume(node: Int) {
        nodes[node].paused = false
        for held in heldRequests.removeValue(forKey: node) ?? [] where links[held.sentinel][held.link] != nil {
            answer(sentinel: held.sentinel, link: held.link, purpose: held.purpose, words: held.words, node: node)
        }
    }

    public mutating func crash(node: Int) {
        nodes[node].crashed = true
        heldRequests[node] = nil
        heldByWritePause[node] = nil
        writePausedAt[node] = nil
        closeLinks { $0 == .node(node) }
    }

    /// The node comes back as it was configured on disk: same role, new run id and history.
    public mutating func restart(node: Int) {
        nodes[node].paused = false
        nodes[node].restart(runID: random.hexIdentifier())
    }

    public mutating func crash(sentinel: Int) {
        crashedSentinels.insert(sentinel)
        pausedSentinels.remove(sentinel)
        heldForSentinels[sentinel] = nil
        links[sentinel] = [:]
        closeLinks { $0 == .sentinel(sentinel) }
    }

    /// Restarts a sentinel from what it last persisted, as the daemon restarts from its config file.
    public mutating func restart(sentinel: Int) {
        guard crashedSentinels.contains(sentinel) else { return }
        let config = persisted[sentinel] ?? sentinels[sentinel].baseConfig
        sentinels[sentinel] = Sentinel(config: config, seed: random.next(), now: now)
        crashedSentinels.remove(sentinel)
        nextTick[sentinel] = now + 50
        record(sentinel, sentinels[sentinel].start(now: now))
    }

    public mutating func pause(sentinel: Int) {
        guard !crashedSentinels.contains(sentinel) else { return }
        pausedSentinels.insert(sentinel)
    }

    /// The sentinel runs again: its clock jumped (so it may enter TILT), then it reads what waited,
    /// in order, and answers the peers that asked it something meanwhile.
    public mutating func resume(sentinel: Int) {
        guard pausedSentinels.remove(sentinel) != nil else { return }
        nextTick[sentinel] = now
        for held in heldForSentinels.removeValue(forKey: sentinel) ?? [] {
            switch held {
            case .delivery(let input):
                record(sentinel, handleAsTheDaemonDoes(sentinel, input))
            case .request(let asker, let link, let purpose, let words):
                guard !crashedSentinels.contains(asker), links[asker][link] != nil else { continue }
                let reply = peerCommand(sentinel, words)
                deliver(.replyReceived(link, purpose, reply), to: asker)
            }
        }
    }

    /// Cuts one sentinel off from everything; its connections break.
    public mutating func isolate(sentinel: Int) {
        cut(sentinel: sentinel, from: allEndpoints.filter { $0 != .sentinel(sentinel) })
    }

    /// A symmetric partition: sentinels and nodes on one side reach nothing on the other.
    public mutating func partition(sentinelsOnOneSide: Set<Int>, nodesOnOneSide: Set<Int>) {
        func side(_ endpoint: Endpoint) -> Bool {
            switch endpoint {
            case .node(let node): return nodesOnOneSide.contains(node)
            case .sentinel(let sentinel): return sentinelsOnOneSide.contains(sentinel)
            }
        }
        for sentinel in sentinels.indices {
            cut(sentinel: sentinel, from: allEndpoints.filter { side($0) != side(.sentinel(sentinel)) })
        }
        for node in nodes.indices {
            for other in nodes.indices where other > node && side(.node(node)) != side(.node(other)) { nodeCuts.insert([node, other]) }
        }
    }

    /// Replicas lose their master while every sentinel still reaches both: they fall behind.
    public mutating func splitReplicas(ofGroup group: Int) {
        guard let master = groups[group].nodes.first(where: { nodes[$0].isMaster }) else { return }
        for replica in groups[group].nodes where replica != master { nodeCuts.insert([min(master, replica), max(master, replica)]) }
    }

    /// A sentinel loses some endpoints but not others: the partial, non-transitive partitions where
    /// sentinels see different worlds.
    mutating func cut(sentinel: Int, from endpoints: [Endpoint]) {
        for endpoint in endpoints {
            cuts.insert(Cut(sentinel: sentinel, endpoint: endpoint))
            for (id, end) in links[sentinel].sorted(by: { $0.key < $1.key }) where end.endpoint == endpoint {
                links[sentinel][id] = nil
                deliver(.linkClosed(id, reason: "network partition"), to: sentinel)
            }
            if case .sentinel(let peer) = endpoint, !crashedSentinels.contains(peer) {
                for (id, end) in links[peer].sorted(by: { $0.key < $1.key }) where end.endpoint == .sentinel(sentinel) {
                    links[peer][id] = nil
                    deliver(.linkClosed(id, reason: "network partition"), to: peer)
                }
            }
        }
    }

    /// The fault phase begins: messages may be lost from now on.
    public mutating func startMessageLoss() { lossActive = true }

    /// Every cut is mended and message loss stops.
    public mutating func healNetwork() {
        cuts = []
        nodeCuts = []
        lossActive = false
    }

    var allEndpoints: [Endpoint] { nodes.indices.map { .node($0) } + sentinels.indices.map { .sentinel($0) } }

    mutating func closeLinks(to matches: (Endpoint) -> Bool) {
        for other in sentinels.indices where !crashedSentinels.contains(other) {
            for (id, end) in links[other].sorted(by: { $0.key < $1.key }) where matches(end.endpoint) {
                links[other][id] = nil
                deliver(.linkClosed(id, reason: "connection reset"), to: other)
            }
        }
    }

    public mutating func randomBelow(_ bound: Int64) -> Int64 { random.below(bound) }

    /// A lying peer forged a vote for this sentinel in this epoch (hostile worlds only).
    func electedByForgery(sentinel: Int, epoch: Int64) -> Bool {
        hostility?.forgedVotes.contains(Hostility.ForgedVote(leader: sentinels[sentinel].myID, epoch: epoch)) == true
    }

    // MARK: Checkers, run as effects are recorded

    mutating func checkEvent(_ sentinel: Int, _ event: SentinelEvent) {
        switch event {
        case .voteForLeader(let master, let candidate, let epoch):
            guard let master else {
                violations.append("sentinel \(sentinel) voted without naming the master: \(event)")
                return
            }
            if let earlier = votes[sentinel]?[master]?[epoch], earlier != candidate {
                violations.append("sentinel \(sentinel) voted twice for \(master) in epoch \(epoch): \(earlier) then \(candidate) at \(now)")
            }
            votes[sentinel, default: [:]][master, default: [:]][epoch] = candidate
        case .electedLeader(let instance, let epoch):
            let master = instance.masterName
            guard let epoch else {
                violations.append("sentinel \(sentinel) was elected outside a failover: \(event)")
                return
            }
            // A lying peer's reply can forge a vote, and Sentinel's election counts it as any vote:
            // two leaders in one epoch, either named by a forged vote in it, are the lie's doing,
            // not a sentinel's (each still voted once, which the check above holds).
            if let other = leadersByEpoch[master]?[epoch], other != sentinel,
                ![other, sentinel].contains(where: { electedByForgery(sentinel: $0, epoch: epoch) })
            {
                violations.append("two leaders of \(master) in epoch \(epoch): sentinels \(other) and \(sentinel) at \(now)")
            }
            leadersByEpoch[master, default: [:]][epoch] = sentinel
        default:
            break
        }
    }

    mutating func checkEpoch(_ sentinel: Int) {
        let epoch = sentinels[sentinel].currentEpoch
        if epoch < highestEpochSeen[sentinel] {
            violations.append("sentinel \(sentinel)'s epoch went back from \(highestEpochSeen[sentinel]) to \(epoch) at \(now)")
        }
        highestEpochSeen[sentinel] = max(highestEpochSeen[sentinel], epoch)
    }

    /// Every peer a sentinel knows has its one shared link, counted right (see `Sentinel.peerLinkInconsistencies`).
    mutating func checkPeerLinks(_ sentinel: Int) {
        for problem in sentinels[sentinel].peerLinkInconsistencies() {
            violations.append("sentinel \(sentinel): \(problem) at \(now)")
        }
    }
}
