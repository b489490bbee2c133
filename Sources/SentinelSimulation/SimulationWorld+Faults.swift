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
        closeLinks { $0 == .node(node) }
    }

    /// The node comes back as it was configured on disk: same role, new run id.
    public mutating func restart(node: Int) {
        nodes[node].crashed = false
        nodes[node].paused = false
        nodes[node].runID = random.hexIdentifier()
    }

    public mutating func crash(sentinel: Int) {
        crashedSentinels.insert(sentinel)
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

    /// Cuts one sentinel off from everything; its connections break.
    public mutating func isolate(sentinel: Int) {
        isolatedSentinels.insert(sentinel)
        for (id, _) in links[sentinel].sorted(by: { $0.key < $1.key }) {
            links[sentinel][id] = nil
            deliver(.linkClosed(id, reason: "network partition"), to: sentinel)
        }
        closeLinks { $0 == .sentinel(sentinel) }
    }

    public mutating func heal(sentinel: Int) { isolatedSentinels.remove(sentinel) }

    mutating func closeLinks(to matches: (Endpoint) -> Bool) {
        for other in sentinels.indices where !crashedSentinels.contains(other) {
            for (id, end) in links[other].sorted(by: { $0.key < $1.key }) where matches(end.endpoint) {
                links[other][id] = nil
                deliver(.linkClosed(id, reason: "connection reset"), to: other)
            }
        }
    }

    public mutating func randomBelow(_ bound: Int64) -> Int64 { random.below(bound) }

    // MARK: Checkers, run as effects are recorded

    mutating func checkEvent(_ sentinel: Int, _ event: SentinelEvent) {
        switch event.type {
        case "+vote-for-leader":
            let words = event.message.split(separator: " ")
            guard words.count == 2, let epoch = Int64(words[1]) else { return }
            let candidate = String(words[0])
            if let earlier = votes[sentinel]?[epoch], earlier != candidate {
                violations.append("sentinel \(sentinel) voted twice in epoch \(epoch): \(earlier) then \(candidate) at \(now)")
            }
            votes[sentinel, default: [:]][epoch] = candidate
        case "+elected-leader":
            let epoch = sentinels[sentinel].masters.first?.failover?.epoch ?? sentinels[sentinel].currentEpoch
            if let other = leadersByEpoch[epoch], other != sentinel {
                violations.append("two leaders in epoch \(epoch): sentinels \(other) and \(sentinel) at \(now)")
            }
            leadersByEpoch[epoch] = sentinel
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
}
