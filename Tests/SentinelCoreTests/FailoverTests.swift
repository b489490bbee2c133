import SentinelCore
import XCTest

final class FailoverTests: XCTestCase {
    let me = String(repeating: "a", count: 40)
    let peerA = String(repeating: "b", count: 40)
    let peerB = String(repeating: "c", count: 40)

    struct Setup {
        var harness: CoreHarness
        var master: LinkID
        var replicas: [Int: LinkID]
        var peers: [String: LinkID]
    }

    /// Master 6379, replicas 6380 and 6381 answering INFO, two peers, quorum 2.
    func makeSetup(replicaOffsets: [Int: Int64] = [6380: 100, 6381: 50], priorities: [Int: Int] = [:]) -> Setup {
        var harness = CoreHarness(downAfter: 1_000, replicas: replicaOffsets.keys.sorted().map { Address(host: "127.0.0.1", port: $0) })
        for (runID, port) in [(peerA, 26380), (peerB, 26381)] {
            _ = harness.sentinel.receiveHello("127.0.0.1,\(port),\(runID),0,mymaster,127.0.0.1,6379,0", now: harness.now)
        }
        let links = harness.connectRequestedLinks(harness.tick())
        let master = harness.commandLink(to: 6379, in: links)!
        harness.handle(.replyReceived(master, .ping, .status("PONG")))
        harness.handle(.replyReceived(master, .info, .string("role:master\r\n")))
        var replicas: [Int: LinkID] = [:]
        for (port, offset) in replicaOffsets {
            let link = harness.commandLink(to: port, in: links)!
            replicas[port] = link
            harness.handle(.replyReceived(link, .ping, .status("PONG")))
            harness.handle(.replyReceived(link, .info, .string(replicaInfo(offset: offset, priority: priorities[port] ?? 100))))
        }
        var peers: [String: LinkID] = [:]
        peers[peerA] = harness.commandLink(to: 26380, in: links)
        peers[peerB] = harness.commandLink(to: 26381, in: links)
        return Setup(harness: harness, master: master, replicas: replicas, peers: peers)
    }

    func replicaInfo(offset: Int64, priority: Int = 100, masterPort: Int = 6379, runID: String? = nil) -> String {
        (runID.map { "run_id:\($0)\r\n" } ?? "")
            + "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:\(masterPort)\r\nmaster_link_status:up\r\nslave_repl_offset:\(offset)\r\nslave_priority:\(priority)\r\n"
    }

    /// Ticks in 50 ms steps; replicas keep answering PING and INFO, the master answers nothing;
    /// `peerReply` answers each IS-MASTER-DOWN-BY-ADDR request.
    func run(_ setup: inout Setup, steps: Int, replicaInfo info: [Int: String]? = nil, peerReply: ([String]) -> RedisValue) {
        for _ in 0..<steps {
            setup.harness.advance(50)
            let produced = setup.harness.tick()
            answer(&setup, produced, replicaInfo: info, peerReply: peerReply)
        }
    }

    func answer(_ setup: inout Setup, _ produced: [Effect], replicaInfo info: [Int: String]?, peerReply: ([String]) -> RedisValue) {
        for case .send(let id, let words, let purpose) in produced {
            if let port = setup.replicas.first(where: { $0.value == id })?.key {
                let reply: RedisValue = purpose == .info ? .string(info?[port] ?? replicaInfo(offset: 0)) : .status("OK")
                let more = setup.harness.handle(.replyReceived(id, purpose, purpose == .ping ? .status("PONG") : reply))
                answer(&setup, more, replicaInfo: info, peerReply: peerReply)
            } else if setup.peers.values.contains(id), case .askMasterDown = purpose {
                let more = setup.harness.handle(.replyReceived(id, purpose, peerReply(words)))
                answer(&setup, more, replicaInfo: info, peerReply: peerReply)
            }
        }
    }

    func testElectedLeaderPromotesBestReplicaAndSwitchesMaster() {
        var setup = makeSetup()
        let promotedInfo = [6380: "role:master\r\n", 6381: replicaInfo(offset: 50, masterPort: 6380)]
        var infoNow: [Int: String] = [6380: replicaInfo(offset: 100), 6381: replicaInfo(offset: 50)]
        // Peers see the master down and vote for whoever asks with a run id.
        let peerReply: ([String]) -> RedisValue = { words in
            let candidate = words[5]
            return candidate == "*" ? .array([.integer(1), .string("*"), .integer(0)])
                : .array([.integer(1), .string(candidate), .integer(Int64(words[4])!)])
        }
        for _ in 0..<200 where setup.harness.events("+switch-master").isEmpty {
            if !setup.harness.events("+failover-state-wait-promotion").isEmpty { infoNow = promotedInfo }
            run(&setup, steps: 1, replicaInfo: infoNow, peerReply: peerReply)
        }
        let sequence = setup.harness.effects.compactMap { effect -> String? in
            if case .emit(let event) = effect, event.level >= .notice, !event.type.hasSuffix("role-change") { return event.type }
            return nil
        }
        let expected = ["+sdown", "+odown", "+new-epoch", "+try-failover", "+vote-for-leader", "+elected-leader",
                        "+failover-state-select-slave", "+selected-slave", "+failover-state-send-slaveof-noone",
                        "+failover-state-wait-promotion", "+promoted-slave", "+failover-state-reconf-slaves", "+switch-master"]
        var firstSeen: [String] = []
        for type in sequence where expected.contains(type) && !firstSeen.contains(type) { firstSeen.append(type) }
        XCTAssertEqual(firstSeen, expected)
        XCTAssertEqual(setup.harness.events("+selected-slave").first?.message, "slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379")
        XCTAssertEqual(setup.harness.events("+switch-master").first?.message, "mymaster 127.0.0.1 6379 127.0.0.1 6380")
        XCTAssertEqual(setup.harness.command("GET-MASTER-ADDR-BY-NAME", "mymaster").reply, .array([.bulk("127.0.0.1"), .bulk("6380")]),
                       "clients learn the new address as soon as the promotion is confirmed")
        let promotion = setup.harness.effects.compactMap { effect -> [String]? in
            if case .send(let id, let words, _) = effect, id == setup.replicas[6380] { return words }
            return nil
        }
        XCTAssertTrue(promotion.contains(["SLAVEOF", "NO", "ONE"]))
        // Run on: the other replica is repointed, the failover ends and the master entry moves.
        infoNow = promotedInfo
        run(&setup, steps: 20, replicaInfo: infoNow, peerReply: peerReply)
        XCTAssertEqual(setup.harness.events("+slave-reconf-sent").first?.message, "slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379")
        XCTAssertEqual(setup.harness.events("+failover-end").count, 1)
        XCTAssertEqual(setup.harness.events("+switch-master").count, 1, "published once, at promotion")
        XCTAssertEqual(setup.harness.sentinel.masters[0].instance.address.port, 6380)
        XCTAssertEqual(setup.harness.sentinel.currentConfig().masters[0].configEpoch, 1)
        XCTAssertEqual(Set(setup.harness.sentinel.masters[0].replicas.map(\.name)), ["127.0.0.1:6379", "127.0.0.1:6381"])
    }

    func testNotElectedAbortsAfterElectionTimeout() {
        var setup = makeSetup()
        setup.harness.sentinel.timing.electionTimeout = 2_000
        let peerReply: ([String]) -> RedisValue = { _ in .array([.integer(1), .string(self.peerB), .integer(1)]) }
        run(&setup, steps: 120, peerReply: peerReply)
        XCTAssertGreaterThanOrEqual(setup.harness.events("-failover-abort-not-elected").count, 1)
        XCTAssertTrue(setup.harness.events("+elected-leader").isEmpty)
    }

    func testNoGoodReplicaAbortsAndForcedFailoverRefuses() {
        var setup = makeSetup(replicaOffsets: [6380: 10], priorities: [6380: 0])
        XCTAssertEqual(setup.harness.command("FAILOVER", "mymaster").reply, .error("NOGOODSLAVE No suitable replica to promote"))
        let peerReply: ([String]) -> RedisValue = { words in
            .array([.integer(1), .string(words[5]), .integer(Int64(words[4])!)])
        }
        run(&setup, steps: 80, replicaInfo: [6380: replicaInfo(offset: 10, priority: 0)], peerReply: peerReply)
        XCTAssertEqual(setup.harness.events("-failover-abort-no-good-slave").count, 1)
    }

    func testForcedFailoverNeedsNoElectionAndRefusesASecond() {
        var setup = makeSetup()
        XCTAssertEqual(setup.harness.command("FAILOVER", "mymaster").reply, .ok)
        XCTAssertEqual(setup.harness.command("FAILOVER", "mymaster").reply, .error("INPROG Failover already in progress"))
        setup.harness.advance(1_000)
        setup.harness.tick()
        XCTAssertEqual(setup.harness.events("+elected-leader").count, 1)
        XCTAssertEqual(setup.harness.command("MASTER", "mymaster").reply.field("failover-state"), "wait_promotion")
        XCTAssertEqual(setup.harness.command("MASTER", "mymaster").reply.field("flags"), "master,failover_in_progress,force_failover")
    }

    func testPromotionNeverConfirmedAbortsAfterFailoverTimeout() {
        var setup = makeSetup()
        _ = setup.harness.command("SET", "mymaster", "failover-timeout", "2000")
        XCTAssertEqual(setup.harness.command("FAILOVER", "mymaster").reply, .ok)
        // The replica keeps saying it is a replica: the promotion is never confirmed.
        run(&setup, steps: 80, replicaInfo: [6380: replicaInfo(offset: 100), 6381: replicaInfo(offset: 50)]) { _ in .null }
        XCTAssertEqual(setup.harness.events("+failover-state-wait-promotion").count, 1)
        XCTAssertEqual(setup.harness.events("-failover-abort-slave-timeout").count, 1)
        XCTAssertNil(setup.harness.sentinel.masters[0].failover)
        XCTAssertEqual(setup.harness.command("GET-MASTER-ADDR-BY-NAME", "mymaster").reply, .array([.bulk("127.0.0.1"), .bulk("6379")]))
    }

    func testReplicaOrderingPriorityThenOffsetThenRunID() {
        var setup = makeSetup(replicaOffsets: [6380: 100, 6381: 500], priorities: [6380: 10, 6381: 20])
        XCTAssertEqual(setup.harness.sentinel.selectReplica(0, now: setup.harness.now)?.name, "127.0.0.1:6380", "lower priority wins over offset")
        setup = makeSetup(replicaOffsets: [6380: 100, 6381: 500])
        XCTAssertEqual(setup.harness.sentinel.selectReplica(0, now: setup.harness.now)?.name, "127.0.0.1:6381", "then higher offset")
    }

    // MARK: Election: a majority of the known sentinels and the quorum

    /// A peer's answer to IS-MASTER-DOWN-BY-ADDR: down, and a vote for `leader` in the asked epoch.
    func vote(for leader: String?) -> ([String]) -> RedisValue {
        { words in
            guard let leader else { return .array([.integer(1), .string("*"), .integer(0)]) }
            return .array([.integer(1), .string(leader), .integer(Int64(words[4])!)])
        }
    }

    func electionOutcome(quorum: Int, peerAVotes: String?, peerBVotes: String?) -> CoreHarness {
        var setup = makeSetup()
        _ = setup.harness.command("SET", "mymaster", "quorum", String(quorum))
        setup.harness.sentinel.timing.electionTimeout = 2_000
        let votes = [setup.peers[peerA]!: vote(for: peerAVotes), setup.peers[peerB]!: vote(for: peerBVotes)]
        for _ in 0..<100 where setup.harness.events("+elected-leader").isEmpty
            && setup.harness.events("-failover-abort-not-elected").isEmpty
        {
            setup.harness.advance(50)
            let produced = setup.harness.tick()
            for case .send(let id, let words, .askMasterDown) in produced {
                if let reply = votes[id] { setup.harness.handle(.replyReceived(id, .askMasterDown(master: "mymaster"), reply(words))) }
            }
            answer(&setup, produced, replicaInfo: nil) { _ in .null }
        }
        return setup.harness
    }

    func testOwnVoteAloneIsNotEnoughWithoutAMajorityEvenWhenQuorumIsOne() {
        let alone = electionOutcome(quorum: 1, peerAVotes: nil, peerBVotes: nil)
        XCTAssertEqual(alone.events("+odown").count, 1, "quorum 1: this sentinel alone makes ODOWN")
        XCTAssertTrue(alone.events("+elected-leader").isEmpty, "1 vote of 3 sentinels is no majority")
        XCTAssertEqual(alone.events("-failover-abort-not-elected").count, 1)
        let withOnePeer = electionOutcome(quorum: 1, peerAVotes: me, peerBVotes: nil)
        XCTAssertEqual(withOnePeer.events("+elected-leader").count, 1, "2 votes of 3 is a majority")
    }

    func testMajorityIsNotEnoughBelowTheQuorum() {
        let split = electionOutcome(quorum: 3, peerAVotes: me, peerBVotes: peerB)
        XCTAssertEqual(split.events("+odown").count, 1)
        XCTAssertTrue(split.events("+elected-leader").isEmpty, "2 votes of 3 is a majority but below quorum 3")
        XCTAssertEqual(split.events("-failover-abort-not-elected").count, 1)
        let unanimous = electionOutcome(quorum: 3, peerAVotes: me, peerBVotes: me)
        XCTAssertEqual(unanimous.events("+elected-leader").count, 1)
    }

    /// Every vote known and nobody with a majority: the next attempt comes within half a second, in
    /// a new epoch, instead of after the election timeout and twice the failover timeout.
    func testSplitVoteIsRetriedAtOnceInANewEpoch() {
        var setup = makeSetup()
        setup.harness.sentinel.timing.electionTimeout = 10_000
        // In epoch 1 each peer votes for itself; later it votes for whoever asks.
        let selfVotes = [setup.peers[peerA]!: peerA, setup.peers[peerB]!: peerB]
        for _ in 0..<40 where setup.harness.events("+elected-leader").isEmpty {
            setup.harness.advance(50)
            let produced = setup.harness.tick()
            for case .send(let id, let words, .askMasterDown) in produced {
                let epoch = Int64(words[4])!
                let vote = words[5] == "*" ? "*" : (epoch == 1 ? selfVotes[id]! : words[5])
                setup.harness.handle(.replyReceived(id, .askMasterDown(master: "mymaster"), .array([.integer(1), .string(vote), .integer(vote == "*" ? 0 : epoch)])))
            }
            answer(&setup, produced, replicaInfo: nil) { _ in .null }
        }
        XCTAssertEqual(setup.harness.events("-failover-abort-not-elected").count, 1)
        XCTAssertEqual(setup.harness.events("+elected-leader").count, 1, "elected in the retry, within two seconds")
        XCTAssertEqual(setup.harness.sentinel.masters[0].failover?.epoch, 2)
    }

    func testCandidateVotesForItselfAndLosesToAPeerWithMoreVotes() {
        let harness = electionOutcome(quorum: 2, peerAVotes: peerB, peerBVotes: peerB)
        XCTAssertEqual(harness.events("+vote-for-leader").map(\.message), ["\(me) 1"],
                       "the candidate votes for itself before any reply arrives, and only once in the epoch")
        XCTAssertTrue(harness.events("+elected-leader").isEmpty, "the peer has 2 votes of 3")
        XCTAssertEqual(harness.events("-failover-abort-not-elected").count, 1)
    }

    // MARK: Replica selection

    func testReplicaSelectionSkipsPriorityZeroDownDisconnectedAndSilentReplicas() {
        var setup = makeSetup(replicaOffsets: [6380: 900, 6381: 100])
        XCTAssertEqual(setup.harness.sentinel.selectReplica(0, now: setup.harness.now)?.name, "127.0.0.1:6380")
        // Priority 0: never promoted, whatever its offset.
        setup.harness.handle(.replyReceived(setup.replicas[6380]!, .info, .string(replicaInfo(offset: 900, priority: 0))))
        XCTAssertEqual(setup.harness.sentinel.selectReplica(0, now: setup.harness.now)?.name, "127.0.0.1:6381")
        // A disconnected replica is skipped.
        setup = makeSetup(replicaOffsets: [6380: 900, 6381: 100])
        setup.harness.handle(.linkClosed(setup.replicas[6380]!, reason: "connection reset"))
        XCTAssertEqual(setup.harness.sentinel.selectReplica(0, now: setup.harness.now)?.name, "127.0.0.1:6381")
        // A replica whose INFO is too old (more than three INFO periods while the master is up) is skipped.
        setup = makeSetup(replicaOffsets: [6380: 900, 6381: 100])
        setup.harness.advance(3 * setup.harness.sentinel.timing.infoPeriod + 1)
        setup.harness.handle(.replyReceived(setup.replicas[6381]!, .ping, .status("PONG")))
        setup.harness.handle(.replyReceived(setup.replicas[6380]!, .ping, .status("PONG")))
        setup.harness.handle(.replyReceived(setup.replicas[6381]!, .info, .string(replicaInfo(offset: 100))))
        XCTAssertEqual(setup.harness.sentinel.selectReplica(0, now: setup.harness.now)?.name, "127.0.0.1:6381")
        // None left: no candidate at all.
        setup.harness.handle(.linkClosed(setup.replicas[6381]!, reason: "connection reset"))
        XCTAssertNil(setup.harness.sentinel.selectReplica(0, now: setup.harness.now))
    }

    func testRunIDBreaksTiesBetweenEqualReplicas() {
        var setup = makeSetup(replicaOffsets: [6380: 100, 6381: 100])
        setup.harness.handle(.replyReceived(setup.replicas[6380]!, .info, .string(replicaInfo(offset: 100, runID: "f" + String(repeating: "0", count: 39)))))
        setup.harness.handle(.replyReceived(setup.replicas[6381]!, .info, .string(replicaInfo(offset: 100, runID: "0" + String(repeating: "f", count: 39)))))
        XCTAssertEqual(setup.harness.sentinel.selectReplica(0, now: setup.harness.now)?.name, "127.0.0.1:6381", "smaller run id first")
    }

    // MARK: Reconfiguration

    func testReconfigurationRepointsParallelSyncsReplicasAtATime() {
        var setup = makeSetup(replicaOffsets: [6380: 900, 6381: 100, 6382: 50])
        XCTAssertEqual(setup.harness.command("FAILOVER", "mymaster").reply, .ok)
        var info: [Int: String] = [6380: "role:master\r\n", 6381: replicaInfo(offset: 100), 6382: replicaInfo(offset: 50)]
        run(&setup, steps: 10, replicaInfo: info) { _ in .null }
        XCTAssertEqual(setup.harness.events("+promoted-slave").count, 1)
        XCTAssertEqual(setup.harness.events("+slave-reconf-sent").count, 1, "parallel-syncs 1: one replica at a time")
        XCTAssertTrue(setup.harness.events("+failover-end").isEmpty)
        // The first replica follows the new master; only then is the second one repointed.
        let first = setup.harness.events("+slave-reconf-sent")[0].message.contains("6381") ? 6381 : 6382
        info[first] = replicaInfo(offset: 100, masterPort: 6380)
        run(&setup, steps: 10, replicaInfo: info) { _ in .null }
        XCTAssertEqual(setup.harness.events("+slave-reconf-done").count, 1)
        XCTAssertEqual(setup.harness.events("+slave-reconf-sent").count, 2)
        info[first == 6381 ? 6382 : 6381] = replicaInfo(offset: 100, masterPort: 6380)
        run(&setup, steps: 10, replicaInfo: info) { _ in .null }
        XCTAssertEqual(setup.harness.events("+slave-reconf-done").count, 2)
        XCTAssertEqual(setup.harness.events("+failover-end").count, 1)
    }

    /// Our failover promoted 6380 and announced it, but 6381 never follows, so the failover has not
    /// ended and the master entry still describes 6379. Then 6380 dies and a peer fails it over to
    /// 6381 in a newer epoch: the switch is announced from 6380, the address clients were given.
    func testNewerConfigurationDuringOurReconfigurationSwitchesFromThePromotedReplica() {
        var setup = makeSetup()
        XCTAssertEqual(setup.harness.command("FAILOVER", "mymaster").reply, .ok)
        let info: [Int: String] = [6380: "role:master\r\n", 6381: replicaInfo(offset: 50)]
        run(&setup, steps: 10, replicaInfo: info) { _ in .null }
        XCTAssertEqual(setup.harness.events("+switch-master").map(\.message), ["mymaster 127.0.0.1 6379 127.0.0.1 6380"])
        XCTAssertTrue(setup.harness.events("+failover-end").isEmpty)
        XCTAssertEqual(setup.harness.sentinel.masters[0].instance.address.port, 6379)
        setup.harness.effects += setup.harness.sentinel.receiveHello("127.0.0.1,26380,\(peerA),2,mymaster,127.0.0.1,6381,2", now: setup.harness.now)
        XCTAssertEqual(setup.harness.events("+switch-master").map(\.message),
                       ["mymaster 127.0.0.1 6379 127.0.0.1 6380", "mymaster 127.0.0.1 6380 127.0.0.1 6381"])
        XCTAssertEqual(setup.harness.sentinel.masters[0].instance.address.port, 6381)
        XCTAssertEqual(Set(setup.harness.sentinel.masters[0].replicas.map(\.name)), ["127.0.0.1:6379", "127.0.0.1:6380"])
    }

    /// A newer configuration naming the replica our failover already announced moves the entry
    /// without announcing the same switch again.
    func testNewerConfigurationNamingOurPromotedReplicaIsNotAnnouncedTwice() {
        var setup = makeSetup()
        XCTAssertEqual(setup.harness.command("FAILOVER", "mymaster").reply, .ok)
        let info: [Int: String] = [6380: "role:master\r\n", 6381: replicaInfo(offset: 50)]
        run(&setup, steps: 10, replicaInfo: info) { _ in .null }
        setup.harness.effects += setup.harness.sentinel.receiveHello("127.0.0.1,26380,\(peerA),2,mymaster,127.0.0.1,6380,2", now: setup.harness.now)
        XCTAssertEqual(setup.harness.events("+switch-master").map(\.message), ["mymaster 127.0.0.1 6379 127.0.0.1 6380"])
        XCTAssertEqual(setup.harness.sentinel.masters[0].instance.address.port, 6380)
        XCTAssertNil(setup.harness.sentinel.masters[0].failover)
    }

    func testParallelSyncsTwoRepointsBothReplicasAtOnce() {
        var setup = makeSetup(replicaOffsets: [6380: 900, 6381: 100, 6382: 50])
        _ = setup.harness.command("SET", "mymaster", "parallel-syncs", "2")
        XCTAssertEqual(setup.harness.command("FAILOVER", "mymaster").reply, .ok)
        let info: [Int: String] = [6380: "role:master\r\n", 6381: replicaInfo(offset: 100), 6382: replicaInfo(offset: 50)]
        run(&setup, steps: 10, replicaInfo: info) { _ in .null }
        XCTAssertEqual(setup.harness.events("+slave-reconf-sent").count, 2)
    }

    // MARK: Coordinated switchover

    func sends(_ effects: [Effect], to link: LinkID) -> [[String]] {
        effects.compactMap { effect in
            if case .send(let id, let words, _) = effect, id == link { return words }
            return nil
        }
    }

    /// `SENTINEL FAILOVER mymaster <word>` with both peers voting for this sentinel: the second vote
    /// elects it, and a coordinated switchover's handover starts at once.
    func requestSwitchover(_ setup: inout Setup, word: String = "COORDINATED") {
        let outcome = setup.harness.command("FAILOVER", "mymaster", word)
        XCTAssertEqual(outcome.reply, .ok)
        var asked = 0
        for case .send(let id, let words, .askMasterDown) in outcome.effects where setup.peers.values.contains(id) {
            XCTAssertEqual(words.last, me, "a switchover asks for votes although the master is up")
            setup.harness.handle(.replyReceived(id, .askMasterDown(master: "mymaster"), .array([.integer(0), .string(me), .integer(Int64(words[4])!)])))
            asked += 1
        }
        XCTAssertEqual(asked, 2)
    }

    /// The port of the replica the last `+coordinated-handover` hands over to.
    func handoverTarget(_ setup: Setup) -> Int? {
        setup.harness.events("+coordinated-handover").last.flatMap { Int($0.message.split(separator: " ").last ?? "") }
    }

    /// The master refuses `CLIENT PAUSE ... WRITE` (here as Redis 6.0 does): it is asked to hand over with `FAILOVER TO`.
    func refusePause(_ setup: inout Setup) {
        setup.harness.handle(.replyReceived(setup.master, .handoverPause, .error("ERR syntax error")))
        setup.harness.handle(.replyReceived(setup.master, .handoverOffset, .string("role:master\r\nmaster_repl_offset:10\r\n")))
    }

    func testCoordinatedSwitchoverIsElectedLikeAFailover() {
        // Plain SENTINEL FAILOVER leads without votes, as Redis's does.
        var plain = makeSetup()
        XCTAssertEqual(plain.harness.command("FAILOVER", "mymaster").reply, .ok)
        plain.harness.advance(1_000)
        plain.harness.tick()
        XCTAssertEqual(plain.harness.events("+elected-leader").count, 1)

        // A coordinated switchover whose peers do not answer is not elected, and nothing changes hands.
        var alone = makeSetup()
        XCTAssertEqual(alone.harness.command("FAILOVER", "mymaster", "COORDINATED").reply, .ok)
        for _ in 0..<240 where alone.harness.sentinel.masters[0].failover != nil {
            alone.harness.advance(50)
            alone.harness.tick()
            for link in [alone.master] + Array(alone.replicas.values) {
                alone.harness.handle(.replyReceived(link, .ping, .status("PONG")))
            }
        }
        XCTAssertEqual(alone.harness.events("-failover-abort-not-elected").count, 1)
        XCTAssertTrue(alone.harness.events("+elected-leader").isEmpty)
        XCTAssertFalse(alone.harness.effects.contains { if case .send(_, _, .handoverPause) = $0 { return true } else { return false } })
        XCTAssertEqual(alone.harness.command("GET-MASTER-ADDR-BY-NAME", "mymaster").reply, .array([.bulk("127.0.0.1"), .bulk("6379")]))
    }

    func testMasterRefusingThePauseHandsOverWithFailoverToAndDisconnectsItsClients() {
        var setup = makeSetup()
        XCTAssertEqual(setup.harness.command("FAILOVER", "mymaster", "COORDINATED", "now").reply, .error("ERR syntax error"))
        requestSwitchover(&setup, word: "coordinated")
        XCTAssertEqual(setup.harness.events("+coordinated-handover").first?.message, "master mymaster 127.0.0.1 6379 to 127.0.0.1 6380")
        refusePause(&setup)
        XCTAssertTrue(setup.harness.effects.contains(.send(setup.master, ["FAILOVER", "TO", "127.0.0.1", "6380", "TIMEOUT", "5000"], .handover)))
        XCTAssertFalse(sends(setup.harness.effects, to: setup.replicas[6380]!).contains(["SLAVEOF", "NO", "ONE"]), "the replica is not told to take over")
        XCTAssertFalse(sends(setup.harness.effects, to: setup.master).contains(["CLIENT", "UNPAUSE"]), "no pause took effect")
        setup.harness.handle(.replyReceived(setup.master, .handover, .status("OK")))
        // The replica took over: roles are written down and the old master's clients sent to look again.
        let confirmed = setup.harness.handle(.replyReceived(setup.replicas[6380]!, .info, .string("role:master\r\n")))
        XCTAssertEqual(setup.harness.events("+switch-master").first?.message, "mymaster 127.0.0.1 6379 127.0.0.1 6380")
        XCTAssertEqual(sends(confirmed, to: setup.master), [["CONFIG", "REWRITE"], ["CLIENT", "KILL", "TYPE", "normal"], ["CLIENT", "KILL", "TYPE", "pubsub"]])
        XCTAssertTrue(sends(confirmed, to: setup.replicas[6380]!).contains(["CONFIG", "REWRITE"]))
        XCTAssertNil(setup.harness.sentinel.masters[0].failover?.handover, "nothing more to wait for before the failover ends")
        // What is announced is what is written: a leader restarted now comes back with the new master.
        XCTAssertTrue(confirmed.contains(.persistConfig))
        let written = setup.harness.sentinel.currentConfig().masters[0]
        XCTAssertEqual(written.address, Address(host: "127.0.0.1", port: 6380))
        XCTAssertEqual(written.configEpoch, 1)
        XCTAssertEqual(Set(written.knownReplicas.map(\.port)), [6379, 6381])
    }

    func testRefusedHandoverAbortsAndLeavesTheMasterInPlace() {
        var setup = makeSetup()
        requestSwitchover(&setup)
        refusePause(&setup)
        setup.harness.handle(.replyReceived(setup.master, .handover, .error("ERR FAILOVER target HOST and PORT is not a replica.")))
        XCTAssertEqual(setup.harness.events("-failover-abort-coordinated-refused").count, 1)
        XCTAssertNil(setup.harness.sentinel.masters[0].failover)
        XCTAssertTrue(setup.harness.effects.contains(.log(.warning, "The master refused to hand over: ERR FAILOVER target HOST and PORT is not a replica.")))
        XCTAssertEqual(setup.harness.command("GET-MASTER-ADDR-BY-NAME", "mymaster").reply, .array([.bulk("127.0.0.1"), .bulk("6379")]))
    }

    func testHandoverThatNeverCompletesAbortsAfterItsTimeout() {
        var setup = makeSetup()
        requestSwitchover(&setup)
        refusePause(&setup)
        setup.harness.handle(.replyReceived(setup.master, .handover, .status("OK")))
        for _ in 0..<160 where setup.harness.events("-failover-abort-coordinated-timeout").isEmpty {
            setup.harness.advance(50)
            setup.harness.tick()
            setup.harness.handle(.replyReceived(setup.master, .ping, .status("PONG")))
        }
        XCTAssertEqual(setup.harness.events("-failover-abort-coordinated-timeout").count, 1)
        XCTAssertTrue(setup.harness.events("-failover-abort-slave-timeout").isEmpty)
        XCTAssertNil(setup.harness.sentinel.masters[0].failover)
    }

    func testCoordinatedSwitchoverNeedsAnAnsweringMaster() {
        var setup = makeSetup()
        setup.harness.handle(.linkClosed(setup.master, reason: "connection refused"))
        XCTAssertEqual(setup.harness.command("FAILOVER", "mymaster", "COORDINATED").reply,
                       .error("ERR a coordinated failover needs the master up and answering; use SENTINEL FAILOVER mymaster"))
    }

    func testCoordinatedSwitchoverPicksOnlyAReplicaInSyncWithTheMaster() {
        // 6380 has the higher offset but is still in its first sync (link down); 6381 is streaming.
        var setup = makeSetup()
        let syncing = "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\n"
            + "master_link_down_since_seconds:1\r\nslave_repl_offset:100\r\nslave_priority:100\r\n"
        setup.harness.handle(.replyReceived(setup.replicas[6380]!, .info, .string(syncing)))
        XCTAssertEqual(setup.harness.sentinel.selectReplica(0, now: setup.harness.now)?.name, "127.0.0.1:6380", "a crash failover may still take it")
        requestSwitchover(&setup)
        XCTAssertEqual(handoverTarget(setup), 6381)

        // A replica that finishes its sync while the leader waits is taken.
        var late = makeSetup()
        late.harness.handle(.replyReceived(late.replicas[6380]!, .info, .string(syncing)))
        late.harness.handle(.replyReceived(late.replicas[6381]!, .info, .string(syncing)))
        requestSwitchover(&late)
        late.harness.tick()
        XCTAssertNil(handoverTarget(late))
        late.harness.advance(500)
        late.harness.handle(.replyReceived(late.replicas[6380]!, .info, .string(replicaInfo(offset: 100))))
        late.harness.tick()
        XCTAssertEqual(handoverTarget(late), 6380)

        // The master's INFO listing a replica online is enough, even if the replica's own last INFO
        // is from before its sync finished.
        var listed = makeSetup()
        listed.harness.handle(.replyReceived(listed.replicas[6380]!, .info, .string(syncing)))
        listed.harness.handle(.replyReceived(listed.replicas[6381]!, .info, .string(syncing)))
        listed.harness.handle(.replyReceived(listed.master, .info, .string(
            "role:master\r\nslave0:ip=127.0.0.1,port=6380,state=wait_bgsave,offset=0,lag=0\r\nslave1:ip=127.0.0.1,port=6381,state=online,offset=50,lag=0\r\n")))
        requestSwitchover(&listed)
        XCTAssertEqual(handoverTarget(listed), 6381)

        // With no replica in sync (or one replicating from elsewhere) it gives up, and the master keeps serving.
        var none = makeSetup()
        none.harness.handle(.replyReceived(none.replicas[6380]!, .info, .string(syncing)))
        none.harness.handle(.replyReceived(none.replicas[6381]!, .info, .string(replicaInfo(offset: 50, masterPort: 7000))))
        requestSwitchover(&none)
        for _ in 0..<80 where none.harness.sentinel.masters[0].failover != nil {
            none.harness.advance(50)
            none.harness.tick()
            for link in [none.master, none.replicas[6380]!, none.replicas[6381]!] {
                none.harness.handle(.replyReceived(link, .ping, .status("PONG")))
            }
            XCTAssertNotNil(none.harness.sentinel.selectReplica(0, now: none.harness.now), "only the coordinated rule turns them down")
        }
        XCTAssertEqual(none.harness.events("-failover-abort-no-good-slave").count, 1)
        XCTAssertTrue(none.harness.effects.contains(.log(.warning, "No replica of 'mymaster' is in sync with the master (replicating from it with its link up); the master keeps serving")))
        XCTAssertFalse(none.harness.effects.contains { if case .send(_, _, .handoverPause) = $0 { return true } else { return false } })
        XCTAssertEqual(none.harness.command("GET-MASTER-ADDR-BY-NAME", "mymaster").reply, .array([.bulk("127.0.0.1"), .bulk("6379")]))
    }

    func testSimulateFailureFlags() {
        var harness = CoreHarness()
        XCTAssertEqual(harness.command("SIMULATE-FAILURE", "HELP").reply, .array([.bulk("crash-after-election"), .bulk("crash-after-promotion")]))
        XCTAssertEqual(harness.command("SIMULATE-FAILURE", "bogus").reply, .error("ERR Unknown failure simulation specified"))
        XCTAssertEqual(harness.command("SIMULATE-FAILURE", "crash-after-election").reply, .ok)
        XCTAssertEqual(harness.sentinel.infoSentinelLines(now: harness.now)[5], "sentinel_simulate_failure_flags:1")
    }
}
