import SentinelCore
import XCTest

/// The leader's side of the core's invariants: each failover it leads takes a newer epoch than the
/// last, its own vote never changes within an epoch whatever peers answer, and a configuration a
/// peer announced is never put back by a promotion of an older epoch.
extension FailoverTests {
    var infoBeforePromotion: [Int: String] { [6380: replicaInfo(offset: 100), 6381: replicaInfo(offset: 50)] }

    func electedEpochs(_ harness: CoreHarness) -> [Int64] {
        harness.events("+elected-leader").compactMap { event in
            if case .electedLeader(_, let epoch) = event { return epoch }
            return nil
        }
    }

    func ownVoteEpochs(_ harness: CoreHarness) -> [Int64] {
        harness.events("+vote-for-leader").compactMap { event in
            if case .voteForLeader(_, _, let epoch) = event { return epoch }
            return nil
        }
    }

    func testFailoversLedOneAfterAnotherTakeNewerEpochsWhateverPeersAnswer() {
        var setup = makeSetup()
        _ = setup.harness.command("SET", "mymaster", "failover-timeout", "1000")
        // Peers answer in the epoch asked, but name a different leader every other time, and now
        // and then with an epoch out of range (ignored). The replicas never confirm a promotion, so
        // each failover led times out and another one follows.
        var answers = 0
        let peerReply: ([String]) -> RedisValue = { words in
            answers += 1
            let epoch = answers % 7 == 0 ? Int64.max : Int64(words[4])!
            let leader = answers % 2 == 0 ? self.peerB : words[5]
            return .array([.integer(1), .string(leader), .integer(epoch)])
        }
        var ownVotes: [Int64: String?] = [:]
        for _ in 0..<300 {
            run(&setup, steps: 1, replicaInfo: infoBeforePromotion, peerReply: peerReply)
            let master = setup.harness.sentinel.masters[0]
            let epoch = master.settings.leaderEpoch
            if let earlier = ownVotes[epoch] { XCTAssertEqual(earlier, master.leader, "our vote changed within epoch \(epoch)") }
            ownVotes[epoch] = master.leader
        }
        let elected = electedEpochs(setup.harness)
        XCTAssertGreaterThanOrEqual(elected.count, 2)
        XCTAssertEqual(elected, elected.sorted())
        XCTAssertEqual(Set(elected).count, elected.count, "one failover led per epoch")
        let votes = ownVoteEpochs(setup.harness)
        XCTAssertEqual(Set(votes).count, votes.count, "one vote per epoch")
        XCTAssertEqual(votes, votes.sorted())
    }

    func testANewerConfigurationOfTheSameMasterAbortsTheFailoverItsEpochReached() {
        var setup = makeSetup()
        for _ in 0..<200 where setup.harness.events("+failover-state-wait-promotion").isEmpty {
            run(&setup, steps: 1, replicaInfo: infoBeforePromotion, peerReply: votesForAnyone)
        }
        let epoch = setup.harness.sentinel.masters[0].failover!.epoch
        // A peer (or a liar) announces the master we are replacing, under a newer config epoch.
        setup.harness.effects += setup.harness.sentinel.receiveHello(
            "127.0.0.1,26380,\(peerA),\(epoch + 5),mymaster,127.0.0.1,6379,\(epoch + 5)", now: setup.harness.now)
        XCTAssertEqual(setup.harness.events("-failover-abort-superseded").count, 1)
        XCTAssertNil(setup.harness.sentinel.masters[0].failover)
        // The promotion is confirmed too late: nothing of the older epoch is announced or written.
        let promoted = [6380: "role:master\r\n", 6381: replicaInfo(offset: 50)]
        run(&setup, steps: 20, replicaInfo: promoted, peerReply: votesForAnyone)
        XCTAssertTrue(setup.harness.events("+switch-master").isEmpty)
        XCTAssertEqual(setup.harness.sentinel.currentConfig().masters[0].configEpoch, epoch + 5)
        XCTAssertEqual(setup.harness.command("GET-MASTER-ADDR-BY-NAME", "mymaster").reply, .array([.bulk("127.0.0.1"), .bulk("6379")]))
    }

    func testAConfigurationThatTookTheFailoversEpochAbortsItBeforeTheElection() {
        var setup = makeSetup()
        XCTAssertEqual(setup.harness.command("FAILOVER", "mymaster").reply, .ok)
        XCTAssertEqual(setup.harness.sentinel.masters[0].failover?.epoch, 1)
        setup.harness.effects += setup.harness.sentinel.receiveHello(
            "127.0.0.1,26380,\(peerA),1,mymaster,127.0.0.1,6379,1", now: setup.harness.now)
        XCTAssertEqual(setup.harness.events("-failover-abort-superseded").count, 1)
        run(&setup, steps: 20, replicaInfo: infoBeforePromotion) { _ in .null }
        XCTAssertTrue(electedEpochs(setup.harness).isEmpty)
        // The next one takes a newer epoch, and leads.
        XCTAssertEqual(setup.harness.command("FAILOVER", "mymaster").reply, .ok)
        run(&setup, steps: 20, replicaInfo: infoBeforePromotion) { _ in .null }
        XCTAssertEqual(electedEpochs(setup.harness), [2])
    }
}
