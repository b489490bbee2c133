import SentinelCore
import XCTest

/// A configuration a peer announced is never put back by a promotion of an older epoch: the failover
/// whose epoch it reached is abandoned.
extension FailoverTests {
    var infoBeforePromotion: [Int: String] { [6380: replicaInfo(offset: 100), 6381: replicaInfo(offset: 50)] }

    func electedEpochs(_ harness: CoreHarness) -> [Int64] {
        harness.events("+elected-leader").compactMap { event in
            if case .electedLeader(_, let epoch) = event { return epoch }
            return nil
        }
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
