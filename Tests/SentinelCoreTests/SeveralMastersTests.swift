import SentinelCore
import XCTest

/// One sentinel watching several masters: peers are learnt per master, and elections are per master.
final class SeveralMastersTests: XCTestCase {
    let me = String(repeating: "a", count: 40)
    let peer = String(repeating: "b", count: 40)

    func twoMasters() -> CoreHarness {
        var harness = CoreHarness()
        var config = harness.sentinel.currentConfig()
        config.masters.append(MasterConfig(name: "other", address: Address(host: "127.0.0.1", port: 7379), quorum: 2))
        harness.sentinel = Sentinel(config: config, seed: 7, now: harness.now)
        return harness
    }

    func hello(master: String, port: Int, peerPort: Int = 26380) -> String {
        "127.0.0.1,\(peerPort),\(peer),0,\(master),127.0.0.1,\(port),0"
    }

    func testAPeerLearntUnderOneMasterStaysWhenLearntUnderAnother() {
        var harness = twoMasters()
        for _ in 0..<3 {
            harness.effects += harness.sentinel.receiveHello(hello(master: "mymaster", port: 6379), now: harness.now)
            harness.effects += harness.sentinel.receiveHello(hello(master: "other", port: 7379), now: harness.now)
        }
        XCTAssertEqual(harness.sentinel.masters.map { $0.sentinels.compactMap(\.instance.runID) }, [[peer], [peer]])
        XCTAssertEqual(harness.events("+sentinel").count, 2, "learnt once under each master")
        XCTAssertTrue(harness.events("+sentinel-address-switch").isEmpty, "the peer never moved")
    }

    func testAPeerThatMovedIsSwitchedUnderItsMasterAndUpdatedUnderTheOthers() {
        var harness = twoMasters()
        _ = harness.sentinel.receiveHello(hello(master: "mymaster", port: 6379), now: harness.now)
        _ = harness.sentinel.receiveHello(hello(master: "other", port: 7379), now: harness.now)
        harness.effects = harness.sentinel.receiveHello(hello(master: "mymaster", port: 6379, peerPort: 26390), now: harness.now)
        XCTAssertEqual(harness.sentinel.masters.map { $0.sentinels.map(\.instance.address.port) }, [[26390], [26390]])
        XCTAssertEqual(harness.events("+sentinel-address-switch").count, 1)
        XCTAssertEqual(harness.events("+sentinel-address-update").map(\.message),
                       ["sentinel \(peer) 127.0.0.1 26390 @ mymaster 127.0.0.1 6379 1 additional matching instances"])
    }

    func testAVoteIsGivenInAnEpochBelowTheCurrentOneButNeverBelowTheConfiguration() {
        var harness = twoMasters()
        // A failover of "other" moved the current epoch to 5.
        _ = harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "7379", "5", peer)
        XCTAssertEqual(harness.sentinel.currentEpoch, 5)
        // A candidate for mymaster asks in epoch 4, the epoch its failover began in.
        let earlier = harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "4", peer)
        XCTAssertEqual(earlier.reply, .array([.integer(0), .bulk(peer), .integer(4)]), "elections are per master")
        XCTAssertTrue(earlier.replyRequiresPersist)
        XCTAssertEqual(harness.sentinel.currentEpoch, 5, "the current epoch never goes back")
        // Once mymaster's configuration is at epoch 6, no vote below it is given.
        _ = harness.sentinel.receiveHello("127.0.0.1,26380,\(peer),6,mymaster,127.0.0.1,6379,6", now: harness.now)
        let stale = harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "6", String(repeating: "c", count: 40))
        XCTAssertEqual(stale.reply, .array([.integer(0), .bulk(peer), .integer(4)]))
        XCTAssertEqual(harness.events("+vote-for-leader").map(\.masterName), ["other", "mymaster"], "vote events name their master")
    }
}
