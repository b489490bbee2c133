import SentinelCore
import XCTest

/// The handover of a coordinated switchover: the master's writes paused until the replica has them all.
extension FailoverTests {
    static let history = String(repeating: "5", count: 40)

    func pausedMasterInfo(offset: Int64, history: String = FailoverTests.history) -> RedisValue {
        .string("# Replication\r\nrole:master\r\nconnected_slaves:2\r\nmaster_replid:\(history)\r\nmaster_repl_offset:\(offset)\r\n")
    }

    func replicaInfo(offset: Int64, history: String) -> RedisValue {
        .string(replicaInfo(offset: offset) + "master_replid:\(history)\r\nmaster_repl_offset:\(offset)\r\n")
    }

    /// A switchover elected, the pause accepted and the master's offset read: the replica 6380 is polled.
    func pausedSwitchover(masterOffset: Int64 = 500) -> Setup {
        var setup = makeSetup()
        requestSwitchover(&setup)
        XCTAssertEqual(sends(setup.harness.effects, to: setup.master).suffix(2), [["CLIENT", "PAUSE", "5000", "WRITE"], ["INFO", "replication"]])
        setup.harness.handle(.replyReceived(setup.master, .handoverPause, .status("OK")))
        let polled = setup.harness.handle(.replyReceived(setup.master, .handoverOffset, pausedMasterInfo(offset: masterOffset)))
        XCTAssertEqual(sends(polled, to: setup.replicas[6380]!), [Sentinel.infoRequest], "the replica is asked at once")
        return setup
    }

    func testSwitchoverPromotesOnlyOnceTheReplicaHasEveryWriteThePausedMasterTook() {
        var setup = pausedSwitchover()
        let replica = setup.replicas[6380]!
        XCTAssertEqual(setup.harness.events("+coordinated-handover").first?.message, "master mymaster 127.0.0.1 6379 to 127.0.0.1 6380")
        // Behind, or as far but in another history: not yet.
        XCTAssertEqual(sends(setup.harness.handle(.replyReceived(replica, .info, replicaInfo(offset: 499, history: Self.history))), to: replica), [])
        XCTAssertEqual(sends(setup.harness.handle(.replyReceived(replica, .info, replicaInfo(offset: 600, history: String(repeating: "6", count: 40)))), to: replica), [])
        // Polled again a few milliseconds later, never a hello to the paused master (Redis holds PUBLISH back).
        setup.harness.advance(5)
        let ticked = setup.harness.tick()
        XCTAssertTrue(sends(ticked, to: replica).contains(Sentinel.infoRequest))
        setup.harness.advance(2_000 - 5 - 1)
        XCTAssertFalse(sends(setup.harness.tick(), to: setup.master).contains { $0.first == "PUBLISH" })
        // Caught up: promoted with the usual transaction.
        let promoted = setup.harness.handle(.replyReceived(replica, .info, replicaInfo(offset: 500, history: Self.history)))
        XCTAssertEqual(sends(promoted, to: replica).prefix(3), [["MULTI"], ["SLAVEOF", "NO", "ONE"], ["CONFIG", "REWRITE"]])
        XCTAssertEqual(setup.harness.sentinel.masters[0].failover?.state, .waitPromotion)
        // The replica is master: the old one follows it, writes that down, drops its clients, and
        // only then resumes writes; the peers hear of the new master at once.
        let confirmed = setup.harness.handle(.replyReceived(replica, .info, .string("role:master\r\n")))
        XCTAssertEqual(setup.harness.events("+switch-master").first?.message, "mymaster 127.0.0.1 6379 127.0.0.1 6380")
        XCTAssertEqual(sends(confirmed, to: setup.master), [
            ["MULTI"], ["SLAVEOF", "127.0.0.1", "6380"], ["CONFIG", "REWRITE"], ["CLIENT", "KILL", "TYPE", "normal"],
            ["CLIENT", "KILL", "TYPE", "pubsub"], ["EXEC"], Sentinel.infoRequest, ["CLIENT", "UNPAUSE"],
        ])
        for peer in setup.peers.values {
            XCTAssertTrue(sends(confirmed, to: peer).contains { $0.first == "PUBLISH" && $0.last?.contains(",127.0.0.1,6380,1") == true })
        }
        XCTAssertTrue(confirmed.contains(.persistConfig))
        XCTAssertTrue(setup.harness.events("-failover-abort-coordinated-timeout").isEmpty)
        // The old master follows the new one, then the last replica does: the failover ends there and
        // then, not at the next timer beat.
        setup.harness.handle(.replyReceived(setup.master, .info, .string("role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6380\r\nmaster_link_status:up\r\n")))
        XCTAssertNil(setup.harness.sentinel.masters[0].failover?.handover)
        XCTAssertTrue(setup.harness.events("+failover-end").isEmpty)
        setup.harness.handle(.replyReceived(setup.replicas[6381]!, .info, .string(replicaInfo(offset: 500, masterPort: 6380))))
        XCTAssertEqual(setup.harness.events("+failover-end").count, 1)
    }

    func testReplicasAreReadOverTheCommandLinkWhileTheSwitchoverDroppedOurPubsubLink() throws {
        var setup = pausedSwitchover()
        let replica = setup.replicas[6380]!
        setup.harness.handle(.replyReceived(replica, .info, replicaInfo(offset: 500, history: Self.history)))
        setup.harness.handle(.replyReceived(replica, .info, .string("role:master\r\n")))
        // The repointing transaction's CLIENT KILL TYPE pubsub dropped our pub/sub link to 6381.
        let other = try XCTUnwrap(setup.harness.sentinel.masters[0].replicas.first { $0.name == "127.0.0.1:6381" })
        setup.harness.handle(.linkClosed(try XCTUnwrap(other.instance.link.pubsubLink), reason: "killed"))
        setup.harness.advance(11)
        XCTAssertTrue(sends(setup.harness.tick(), to: setup.replicas[6381]!).contains(Sentinel.infoRequest))
    }

    func testSwitchoverReadsTheReplicationViewsAgainWhileThePeersVote() {
        var setup = makeSetup()
        let outcome = setup.harness.command("FAILOVER", "mymaster", "COORDINATED")
        for link in [setup.master, setup.replicas[6380]!, setup.replicas[6381]!] {
            XCTAssertEqual(sends(outcome.effects, to: link), [Sentinel.infoRequest])
        }
    }

    func testReplicaThatDoesNotCatchUpInTimeLeavesTheMasterServingAndUnpaused() {
        var setup = pausedSwitchover()
        let replica = setup.replicas[6380]!
        for _ in 0..<50 where setup.harness.events("-failover-abort-coordinated-timeout").isEmpty {
            setup.harness.advance(50)
            for case .send(let id, _, .info) in setup.harness.tick() where id == replica {
                setup.harness.handle(.replyReceived(replica, .info, replicaInfo(offset: 100, history: Self.history)))
            }
        }
        XCTAssertEqual(setup.harness.events("-failover-abort-coordinated-timeout").count, 1)
        XCTAssertEqual(sends(setup.harness.effects, to: setup.master).last, ["CLIENT", "UNPAUSE"])
        XCTAssertFalse(sends(setup.harness.effects, to: replica).contains(["SLAVEOF", "NO", "ONE"]))
        XCTAssertNil(setup.harness.sentinel.masters[0].failover)
        // Catching up after the abort changes nothing.
        setup.harness.handle(.replyReceived(replica, .info, replicaInfo(offset: 500, history: Self.history)))
        XCTAssertFalse(sends(setup.harness.effects, to: replica).contains(["SLAVEOF", "NO", "ONE"]))
        XCTAssertEqual(setup.harness.command("GET-MASTER-ADDR-BY-NAME", "mymaster").reply, .array([.bulk("127.0.0.1"), .bulk("6379")]))
    }

    func testPromotionReportedTooLateIntoThePauseIsAbandoned() {
        var setup = pausedSwitchover()
        let replica = setup.replicas[6380]!
        setup.harness.advance(1_000)
        setup.harness.handle(.replyReceived(replica, .info, replicaInfo(offset: 500, history: Self.history)))
        XCTAssertTrue(sends(setup.harness.effects, to: replica).contains(["SLAVEOF", "NO", "ONE"]))
        // Too little of the pause is left to demote the master before its writes resume.
        setup.harness.advance(1_501)
        let late = setup.harness.handle(.replyReceived(replica, .info, .string("role:master\r\n")))
        XCTAssertTrue(setup.harness.events("+switch-master").isEmpty)
        XCTAssertEqual(setup.harness.events("-failover-abort-coordinated-timeout").count, 1)
        XCTAssertEqual(sends(late, to: setup.master), [["CLIENT", "UNPAUSE"]])
        XCTAssertFalse(late.contains(.persistConfig))
        XCTAssertEqual(setup.harness.command("GET-MASTER-ADDR-BY-NAME", "mymaster").reply, .array([.bulk("127.0.0.1"), .bulk("6379")]))
    }

    func testDemotionLostWithItsConnectionIsSentAgainUntilTheOldMasterReportsIt() throws {
        var setup = pausedSwitchover()
        let replica = setup.replicas[6380]!
        setup.harness.handle(.replyReceived(replica, .info, replicaInfo(offset: 500, history: Self.history)))
        setup.harness.handle(.replyReceived(replica, .info, .string("role:master\r\n")))
        XCTAssertEqual(setup.harness.events("+switch-master").count, 1)
        // The connection drops with the demotion on it: sent again on the next one.
        setup.harness.handle(.linkClosed(setup.master, reason: "connection reset"))
        setup.harness.advance(1_001)
        let links = setup.harness.connectRequestedLinks(setup.harness.tick())
        let again = try XCTUnwrap(setup.harness.commandLink(to: 6379, in: links))
        let resent = sends(setup.harness.tick(), to: again)
        XCTAssertTrue(resent.contains(["SLAVEOF", "127.0.0.1", "6380"]))
        XCTAssertEqual(resent.last, ["CLIENT", "UNPAUSE"])
        XCTAssertFalse(resent.contains { $0.first == "PUBLISH" }, "no hello to the old master before it confirms")
        XCTAssertEqual(setup.harness.sentinel.masters[0].failover?.state, .reconfSlaves, "the failover ends only once it is confirmed")
        // Confirmed: nothing more is sent, and the failover can end.
        setup.harness.handle(.replyReceived(again, .info, .string("role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6380\r\nmaster_link_status:up\r\n")))
        XCTAssertNil(setup.harness.sentinel.masters[0].failover?.handover)
        setup.harness.advance(300)
        XCTAssertFalse(sends(setup.harness.tick(), to: again).contains(["SLAVEOF", "127.0.0.1", "6380"]))
    }

    func testMasterThatIsNoLongerMasterWhenPausedAbortsTheSwitchover() {
        var setup = makeSetup()
        requestSwitchover(&setup)
        setup.harness.handle(.replyReceived(setup.master, .handoverPause, .status("OK")))
        setup.harness.handle(.replyReceived(setup.master, .handoverOffset, .string("role:slave\r\nmaster_repl_offset:10\r\n")))
        XCTAssertEqual(setup.harness.events("-failover-abort-coordinated-refused").count, 1)
        XCTAssertEqual(sends(setup.harness.effects, to: setup.master).last, ["CLIENT", "UNPAUSE"])
    }
}
