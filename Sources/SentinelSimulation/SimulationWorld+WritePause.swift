import SentinelCore

/// `CLIENT PAUSE <ms> WRITE` and `CLIENT UNPAUSE` as Redis (6.2+) runs them, and the checker of a
/// coordinated switchover: a master demoted while its writes are paused must lose no write it
/// acknowledged. In the model a master acknowledges every write up to its offset, so its successor
/// must have been promoted from its history at that offset or beyond.
extension SimulationWorld {
    /// How long after a pause ran out a demotion is still checked: the late demotion of a handover
    /// that let its pause expire is caught (the master took writes meanwhile); a failover long after,
    /// which may lose writes as asynchronous replication does, is not.
    static let demotionCheckedAfterPauseMilliseconds: Int64 = 1_000

    /// The reply to `CLIENT PAUSE` or `CLIENT UNPAUSE`; nil for any other command.
    mutating func answerWritePauseCommand(_ words: [String], node: Int) -> RedisValue? {
        guard words.count >= 2, words[0].uppercased() == "CLIENT" else { return nil }
        switch words[1].uppercased() {
        case "PAUSE":
            if parameters.pauseRefused {
                return .error("NOPERM User default has no permissions to run the 'client|pause' command")
            }
            guard words.count == 4, words[3].uppercased() == "WRITE", let milliseconds = Int64(words[2]), milliseconds >= 0 else {
                return .error("ERR syntax error")
            }
            let until = now + milliseconds
            nodes[node].writesPausedUntil = max(nodes[node].writesPausedUntil ?? until, until)
            if nodes[node].isMaster, writePausedAt[node] == nil { writePausedAt[node] = now }
            return .status("OK")
        case "UNPAUSE":
            if parameters.pauseRefused { return .error("NOPERM User default has no permissions to run the 'client|unpause' command") }
            nodes[node].writesPausedUntil = nil
            writePausedAt[node] = nil
            return .status("OK")
        default:
            return nil
        }
    }

    /// Holds a request back when its link waits behind a PUBLISH the write pause holds. True if held.
    mutating func holdForWritePause(sentinel: Int, link: LinkID, purpose: RequestPurpose, words: [String], node: Int) -> Bool {
        let linkWaits = heldByWritePause[node]?.contains { $0.sentinel == sentinel && $0.link == link } ?? false
        let heldItself = nodes[node].writesPaused(at: now) && words.first?.uppercased() == "PUBLISH"
        guard linkWaits || heldItself else { return false }
        heldByWritePause[node, default: []].append((sentinel, link, purpose, words))
        return true
    }

    /// Pauses that ran out release what they held; their demotion check lapses a while later.
    mutating func endExpiredWritePauses(group: Int) {
        for node in groups[group].nodes {
            if let until = nodes[node].writesPausedUntil, now >= until {
                nodes[node].writesPausedUntil = nil
                releaseHeldByWritePause(node)
            }
            if let pausedAt = writePausedAt[node], nodes[node].writesPausedUntil == nil,
                now - pausedAt > Sentinel.handoverPauseMilliseconds + Self.demotionCheckedAfterPauseMilliseconds
            {
                writePausedAt[node] = nil
            }
        }
    }

    /// Answers, in order, what a write pause held on a node (on links still open).
    mutating func releaseHeldByWritePause(_ node: Int) {
        guard let held = heldByWritePause.removeValue(forKey: node) else { return }
        for request in held where links[request.sentinel][request.link] != nil {
            answer(sentinel: request.sentinel, link: request.link, purpose: request.purpose, words: request.words, node: node)
        }
    }

    /// A master told to follow `newMaster` while a write pause is recorded on it: `newMaster` must
    /// have been promoted from this master's history with every write of it.
    mutating func checkDemotionLosesNoWrite(_ node: Int, newMaster: Address) {
        guard hostility == nil, nodes[node].isMaster, let pausedAt = writePausedAt[node] else { return }
        writePausedAt[node] = nil
        handoverPauses.append((node, now - pausedAt))
        let old = nodes[node]
        guard let successor = self.node(at: newMaster), nodes[successor].isMaster,
            nodes[successor].previousReplicationID == old.replicationID, nodes[successor].promotedAtOffset >= old.replicationOffset
        else {
            let held = self.node(at: newMaster).map { nodes[$0].previousReplicationID == old.replicationID ? nodes[$0].promotedAtOffset : 0 } ?? 0
            violations.append("acknowledged writes lost: \(old.address) was demoted at \(now) (writes paused at \(pausedAt)) at offset \(old.replicationOffset), "
                + "but its successor \(newMaster) holds its history only up to \(held)")
            return
        }
    }
}
