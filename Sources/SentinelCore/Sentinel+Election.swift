/// SENTINEL SIMULATE-FAILURE flags.
public struct SimulatedFailures: OptionSet, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let crashAfterElection = SimulatedFailures(rawValue: 1)
    public static let crashAfterPromotion = SimulatedFailures(rawValue: 2)
}

extension Sentinel {
    /// Counts the votes for `epoch` (§3.5): the peers' recorded votes, then our own, given to the
    /// front-runner or to ourselves. The winner needs a majority of all known sentinels and the quorum.
    mutating func electedLeader(_ m: Int, epoch: Int64, now: Instant, into effects: inout [Effect]) -> String? {
        var order: [String] = []
        var votes: [String: Int] = [:]
        for peer in masters[m].sentinels {
            guard let leader = peer.votedLeader, peer.votedLeaderEpoch == epoch else { continue }
            if votes[leader] == nil { order.append(leader) }
            votes[leader, default: 0] += 1
        }
        // Ties go to the first seen; `order` keeps peers' array order, so the count is deterministic.
        var winner = order.max { (votes[$0]!, -order.firstIndex(of: $0)!) < (votes[$1]!, -order.firstIndex(of: $1)!) }
        var winnerVotes = winner.map { votes[$0]! } ?? 0
        let (myVote, myVoteEpoch) = vote(m, epoch: epoch, candidate: winner ?? myID, now: now, into: &effects)
        if myVoteEpoch == epoch {
            votes[myVote, default: 0] += 1
            if votes[myVote]! > winnerVotes {
                winner = myVote
                winnerVotes = votes[myVote]!
            }
        }
        let voters = masters[m].sentinels.count + 1
        guard let chosen = winner, winnerVotes >= voters / 2 + 1, winnerVotes >= masters[m].settings.quorum else { return nil }
        return chosen
    }

    /// A split vote: every peer has told us its vote in `epoch` and no candidate has, or can still
    /// reach, a majority. Nobody leads this epoch, so waiting out the election timeout and then
    /// twice the failover timeout (Redis's pace) only delays the failover; the next attempt comes
    /// after a short random delay, so that one of the candidates usually asks first. When a peer's
    /// vote is unknown (no answer, link down), it could complete someone's majority, and Redis's
    /// pace is kept: a second leader must not be elected while the first one fails over.
    func electionLostWithoutWinner(_ m: Int, epoch: Int64) -> Bool {
        guard masters[m].settings.leaderEpoch == epoch, let myVote = masters[m].leader else { return false }
        var votes: [String: Int] = [myVote: 1]
        for peer in masters[m].sentinels {
            guard let leader = peer.votedLeader, peer.votedLeaderEpoch == epoch else { return false }
            votes[leader, default: 0] += 1
        }
        let voters = masters[m].sentinels.count + 1
        let needed = max(voters / 2 + 1, masters[m].settings.quorum)
        return votes.values.allSatisfy { $0 < needed }
    }

    /// How long after a split vote the next attempt may start: at least a few round trips, so that
    /// the candidates' votes of the lost epoch have arrived everywhere, plus a random spread wide
    /// enough that the first candidate's request usually reaches the others before they retry.
    static let splitVoteRetryMinimumMilliseconds: Int64 = 50
    static let splitVoteRetrySpreadMilliseconds: Int64 = 250

    /// `SENTINEL FAILOVER <name> [COORDINATED]`: forced, needs neither ODOWN nor an election. With
    /// COORDINATED (Valkey 9's syntax) the master's writes pause until the replica has them all, which
    /// needs it up and answering.
    mutating func forceFailover(_ args: [String], now: Instant) -> CommandOutcome {
        guard let name = args.first, let m = masterIndex(named: name) else { return CommandOutcome(reply: Sentinel.noSuchMaster) }
        guard args.count == 1 || (args.count == 2 && args[1].uppercased() == "COORDINATED") else {
            return CommandOutcome(reply: .error("ERR syntax error"))
        }
        let coordinated = args.count == 2
        guard masters[m].failover == nil else { return CommandOutcome(reply: .error("INPROG Failover already in progress")) }
        // A replica just discovered, whose first INFO has not come back yet, may be the one to
        // promote: the failover waits for its INFO (Redis asks a new replica for INFO at once, and
        // answers OK here).
        // (A switchover's replica in sync counts even while our pub/sub link to it is still coming
        // back from the last switchover's CLIENT KILL TYPE pubsub.)
        guard selectReplica(m, now: now) != nil || replicaAwaitsFreshInfo(m)
            || (coordinated && selectReplica(m, now: now, inSyncWithMaster: true) != nil)
        else {
            return CommandOutcome(reply: .error("NOGOODSLAVE No suitable replica to promote"))
        }
        if coordinated {
            let master = masters[m].instance
            // The command link is what the handover needs; the pub/sub one may still be coming back
            // from the last switchover's CLIENT KILL TYPE pubsub.
            guard master.link.commandConnected, !master.isSubjectivelyDown, master.roleReported == .master else {
                return CommandOutcome(reply: .error("ERR a coordinated failover needs the master up and answering; use SENTINEL FAILOVER \(name)"))
            }
        }
        var effects: [Effect] = [.log(.notice, "Executing user requested \(coordinated ? "coordinated " : "")FAILOVER of '\(name)'")]
        startFailover(m, forced: true, coordinated: coordinated, now: now, into: &effects)
        return CommandOutcome(reply: .ok, effects: effects, replyRequiresPersist: true)
    }

    mutating func simulateFailure(_ args: [String]) -> CommandOutcome {
        var flags: SimulatedFailures = []
        for word in args {
            switch word.lowercased() {
            case "crash-after-election": flags.insert(.crashAfterElection)
            case "crash-after-promotion": flags.insert(.crashAfterPromotion)
            case "help": return CommandOutcome(reply: .array([.bulk("crash-after-election"), .bulk("crash-after-promotion")]))
            default: return CommandOutcome(reply: .error("ERR Unknown failure simulation specified"))
            }
        }
        simulateFailure = flags
        return CommandOutcome(reply: .ok)
    }
}
