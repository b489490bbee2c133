import SentinelCore
import XCTest

/// The core's invariants (Sources/SentinelCore/Invariants.swift) hold through ordinary operations,
/// and nothing a peer says can trip one. A broken invariant stops the process, so each of these
/// would crash the test run rather than fail one assertion.
final class InvariantTests: XCTestCase {
    let peerA = String(repeating: "b", count: 40)
    let peerB = String(repeating: "c", count: 40)

    func hello(epoch: Int64, configEpoch: Int64 = 0) -> String {
        "127.0.0.1,26380,\(peerA),\(epoch),mymaster,127.0.0.1,6379,\(configEpoch)"
    }

    /// A peer's vote request for `candidate` in `epoch`; the reply is our view and our vote.
    func ask(_ harness: inout CoreHarness, epoch: Int64, candidate: String) -> Reply {
        harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", String(epoch), candidate).reply
    }

    func vote(_ leader: String, _ epoch: Int64) -> Reply {
        .array([.integer(0), .bulk(leader), .integer(epoch)])
    }

    func testHellosClaimingAHugeEpochThenALowerOneNeverMoveEpochsBack() {
        var harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 6380)])
        let claims: [(epoch: Int64, configEpoch: Int64)] = [(5, 0), (CoreLimits.maxEpoch, 0), (3, 0), (0, 2), (4, 4), (1, 1)]
        var epochs: [Int64] = []
        var configEpochs: [Int64] = []
        for claim in claims {
            _ = harness.sentinel.receiveHello(hello(epoch: claim.epoch, configEpoch: claim.configEpoch), now: harness.now)
            epochs.append(harness.sentinel.currentEpoch)
            configEpochs.append(harness.sentinel.masters[0].settings.configEpoch)
        }
        let huge = CoreLimits.maxEpoch
        XCTAssertEqual(epochs, [5, huge, huge, huge, huge, huge])
        XCTAssertEqual(configEpochs, [0, 0, 0, 2, 4, 4])
        // The huge epoch was accepted (it is within the bound), and the next failover still has room.
        XCTAssertEqual(harness.command("FAILOVER", "mymaster").reply, .ok)
        XCTAssertEqual(harness.sentinel.currentEpoch, huge + 1)
    }

    func testVoteNeverChangesWithinAnEpochWhoeverAsksOrAfterARestart() {
        var harness = CoreHarness()
        XCTAssertEqual(ask(&harness, epoch: 3, candidate: peerA), vote(peerA, 3))
        XCTAssertEqual(ask(&harness, epoch: 3, candidate: peerB), vote(peerA, 3))
        XCTAssertEqual(ask(&harness, epoch: 2, candidate: peerB), vote(peerA, 3))
        XCTAssertEqual(ask(&harness, epoch: 0, candidate: peerB), vote(peerA, 3))
        // Restarted from the file it wrote: the vote's epoch is there (whom it voted for is not, as in
        // Redis), so epoch 3 takes no second vote.
        harness.sentinel = Sentinel(config: harness.sentinel.currentConfig(), seed: 8, now: harness.now)
        XCTAssertEqual(harness.sentinel.currentEpoch, 3)
        XCTAssertEqual(ask(&harness, epoch: 3, candidate: peerB), vote("*", 3))
        XCTAssertEqual(ask(&harness, epoch: 4, candidate: peerB), vote(peerB, 4))
        XCTAssertEqual(harness.events("+vote-for-leader").map(\.message), ["\(peerA) 3", "\(peerB) 4"])
    }

    func testResetAndSetKeepTheVotesEpochAndAMasterMonitoredAgainStartsAfresh() {
        var harness = CoreHarness()
        XCTAssertEqual(ask(&harness, epoch: 3, candidate: peerA), vote(peerA, 3))
        XCTAssertEqual(harness.command("SET", "mymaster", "quorum", "1", "failover-timeout", "5000").reply, .ok)
        XCTAssertEqual(harness.command("RESET", "mymaster").reply, .integer(1))
        XCTAssertEqual(ask(&harness, epoch: 3, candidate: peerB), vote("*", 3), "a reset forgets whom it voted for, never that it voted")
        XCTAssertEqual(harness.sentinel.masters[0].settings.leaderEpoch, 3)
        XCTAssertEqual(harness.command("REMOVE", "mymaster").reply, .ok)
        XCTAssertEqual(harness.command("MONITOR", "mymaster", "127.0.0.1", "6379", "2").reply, .ok)
        XCTAssertEqual(harness.sentinel.masters[0].settings.leaderEpoch, 0)
        XCTAssertEqual(ask(&harness, epoch: 3, candidate: peerB), vote(peerB, 3), "a new master entry has voted in no epoch, as in Redis")
        XCTAssertEqual(harness.sentinel.currentEpoch, 3)
    }
}
