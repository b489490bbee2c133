extension Sentinel {
    /// While the master is down in our eyes, peers are asked again this often rather than every ask
    /// period (1 s): peers notice a failure at slightly different moments, and a "not down" answer
    /// would otherwise hold the quorum back for a whole second.
    static let fastAskPeriodMilliseconds: Int64 = 50

    /// Asks every reachable peer whether it sees the master down, while we do (§3.4). Answers older
    /// than five ask periods are forgotten first. `forced` asks at once (a failover just started).
    mutating func askPeersAboutMaster(_ m: Int, now: Instant, forced: Bool = false, into effects: inout [Effect]) {
        let master = masters[m]
        let forget = 5 * timing.askPeriod
        for s in master.sentinels.indices {
            let peer = masters[m].sentinels[s]
            guard let runID = peer.instance.runID else { continue }
            let elapsed = peer.lastMasterDownReply.map { now - $0 } ?? Int64.max
            // Only written when there is something to forget: the driver keeps an undo copy of the
            // core around this call, and a write would copy every master.
            if elapsed > forget && (peer.masterDownReportedAt != nil || peer.votedLeader != nil) {
                masters[m].sentinels[s].masterDownReportedAt = nil
                masters[m].sentinels[s].votedLeader = nil
            }
            // A coordinated switchover asks for votes while the master is up: peers vote whatever
            // they think of the master (as Redis's do), and the election needs their votes.
            let electingForSwitchover = master.failover?.coordinated == true && master.failover?.state == .waitStart
            guard master.instance.isSubjectivelyDown || electingForSwitchover else { continue }
            let link = link(of: peer)
            guard !link.isDisconnected else { continue }
            guard forced || elapsed >= min(timing.askPeriod, Sentinel.fastAskPeriodMilliseconds) else { continue }
            let target = ref(master.name, .sentinel(runID))
            guard link.pendingCommands < pendingCommandsLimit(target) else { continue }
            // Votes are asked for in the failover's own epoch: with several masters failing at once our
            // current epoch may already have moved on with another master's failover.
            let candidate = master.failover != nil ? myID : "*"
            let epoch = master.failover?.epoch ?? currentEpoch
            let address = master.instance.address
            sendCommand(target,
                        ["SENTINEL", "is-master-down-by-addr", announcedHost(address), String(address.port), String(epoch), candidate],
                        .askMasterDown(master: master.name), into: &effects)
        }
    }

    /// A peer's `[down, leader, leader-epoch]`; anything else is ignored.
    mutating func masterDownReplied(_ target: InstanceRef, _ value: RedisValue, now: Instant) {
        guard case .sentinel(let runID) = target.member, let m = masterIndex(of: target),
            let s = masters[m].sentinelIndex(runID: runID),
            case .array(let items) = value, items.count == 3,
            case .integer(let down) = items[0], let leader = items[1].text, case .integer(let epoch) = items[2],
            leader == "*" || ValueRules.isRunID(leader), (0...CoreLimits.maxEpoch).contains(epoch)
        else { return }
        masters[m].sentinels[s].lastMasterDownReply = now
        masters[m].sentinels[s].masterDownReportedAt = down == 1 ? now : nil
        if leader != "*" {
            masters[m].sentinels[s].votedLeader = leader
            masters[m].sentinels[s].votedLeaderEpoch = epoch
        }
    }

    /// ODOWN: our own SDOWN plus enough peers agreeing to reach the quorum.
    mutating func checkObjectivelyDown(_ m: Int, now: Instant, into effects: inout [Effect]) {
        // Read in place: a copy of the master (every array retained) on each visit was a large part
        // of the timer's cost with hundreds of masters.
        var votes = 0
        let subjectivelyDown = masters[m].instance.isSubjectivelyDown
        if subjectivelyDown {
            votes = 1
            for s in masters[m].sentinels.indices where masters[m].sentinels[s].reportsMasterDown { votes += 1 }
        }
        let quorum = masters[m].settings.quorum
        let down = subjectivelyDown && votes >= quorum
        if down && !masters[m].isObjectivelyDown {
            masters[m].objectivelyDownSince = now
            effects += event(about: ref(at: m, .master)) { .objectivelyDown($0, votes: votes, quorum: quorum) }
        } else if !down && masters[m].isObjectivelyDown {
            masters[m].objectivelyDownSince = nil
            effects += event(about: ref(at: m, .master)) { .objectivelyDownCleared($0) }
        }
    }

    /// `SENTINEL IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>`: our view, and our vote
    /// when a run id is given. The vote reaches the disk before the reply leaves.
    mutating func isMasterDownByAddress(_ args: [String], now: Instant) -> CommandOutcome {
        guard args.count == 4 else { return CommandOutcome(reply: .error("ERR wrong number of arguments for 'sentinel|is-master-down-by-addr' command")) }
        // The epoch is bounded like every epoch from outside (CoreLimits.maxEpoch): a vote request
        // needs no login between sentinels, and an epoch of 2^63-1 would leave the next failover's
        // `currentEpoch + 1` no room.
        guard let port = Int(args[1]), (0...65535).contains(port), let requestEpoch = ValueRules.epoch(args[2]) else {
            return CommandOutcome(reply: .error("ERR value is not an integer or out of range"))
        }
        // The candidate is kept as our vote and shown in events and replies: a run id, or "*".
        guard args[3] == "*" || ValueRules.isRunID(args[3]) else {
            return CommandOutcome(reply: .error("ERR Invalid run id: expected 40 hex digits or '*'"))
        }
        let address = Address(host: args[0], port: port)
        guard let m = masters.firstIndex(where: { sameAddress($0.instance.address, address) }) else {
            return CommandOutcome(reply: .array([.integer(0), .bulk("*"), .integer(0)]))
        }
        let down = !inTilt && masters[m].instance.isSubjectivelyDown
        var effects: [Effect] = []
        var leader = "*"
        var leaderEpoch: Int64 = 0
        let runID = args[3]
        if runID != "*" {
            (leader, leaderEpoch) = vote(m, epoch: requestEpoch, candidate: runID, now: now, into: &effects)
        }
        return CommandOutcome(
            reply: .array([.integer(down ? 1 : 0), .bulk(leader), .integer(leaderEpoch)]),
            effects: effects, replyRequiresPersist: effects.contains(.persistConfig))
    }

    /// One vote per master per epoch (§3.5). Returns this sentinel's current vote, new or not.
    ///
    /// Redis also refuses an epoch below its own current epoch. That rule is not needed for safety
    /// (votes are per master: one per master and epoch, and epochs only grow per master) and it is
    /// what makes mass failovers fail: when many masters fail at once, every failover started moves
    /// the current epoch on, and the votes asked for the earlier ones are refused, one election
    /// round lost per master. Vigil votes in any epoch newer than the master's last vote and its
    /// configuration, so a candidate can never win an epoch the master's configuration has passed.
    mutating func vote(_ m: Int, epoch: Int64, candidate: String, now: Instant, into effects: inout [Effect]) -> (String, Int64) {
        if epoch > currentEpoch {
            currentEpoch = epoch
            effects.append(.persistConfig)
            effects.append(.emit(.newEpoch(master: masters[m].name, epoch: currentEpoch)))
        }
        if masters[m].settings.leaderEpoch < epoch && masters[m].settings.configEpoch < epoch {
            Invariant.votesOncePerEpoch(master: masters[m].name, lastVoteEpoch: masters[m].settings.leaderEpoch, epoch: epoch,
                                        currentEpoch: currentEpoch)
            masters[m].leader = candidate
            masters[m].settings.leaderEpoch = epoch
            effects.append(.persistConfig)
            effects.append(.emit(.voteForLeader(master: masters[m].name, runID: candidate, epoch: epoch)))
            // Having voted for someone else, give them room: no failover of our own for a while.
            if candidate != myID {
                masters[m].failoverStartTime = now + random.below(1_000)
                masters[m].failoverRetryAt = nil
            }
        }
        return (masters[m].leader ?? "*", masters[m].settings.leaderEpoch)
    }

    /// TILT is entered when the timer jumps; decisions wait while it lasts.
    public var inTilt: Bool { tiltSince != nil }
}
