import SentinelCore
import XCTest

final class AgreementTests: XCTestCase {
    let peerA = String(repeating: "b", count: 40)
    let peerB = String(repeating: "c", count: 40)

    /// A sentinel with two known peers whose links are up, the master answering until told otherwise.
    private func harnessWithPeers(quorum: Int = 2) -> (CoreHarness, master: LinkID, peers: [String: LinkID]) {
        var harness = CoreHarness(downAfter: 1_000)
        _ = harness.command("SET", "mymaster", "quorum", String(quorum))
        for (runID, port) in [(peerA, 26380), (peerB, 26381)] {
            _ = harness.sentinel.receiveHello("127.0.0.1,\(port),\(runID),0,mymaster,127.0.0.1,6379,0", now: harness.now)
        }
        let links = harness.connectRequestedLinks(harness.tick())
        let master = harness.commandLink(to: 6379, in: links)!
        harness.handle(.replyReceived(master, .ping, .status("PONG")))
        harness.handle(.replyReceived(master, .info, .string("role:master\r\n")))
        var peers: [String: LinkID] = [:]
        peers[peerA] = harness.commandLink(to: 26380, in: links)
        peers[peerB] = harness.commandLink(to: 26381, in: links)
        return (harness, master, peers)
    }

    /// Runs ticks until the master is subjectively down (it never answers again).
    private func driveToSubjectiveDown(_ harness: inout CoreHarness) {
        for _ in 0..<40 where harness.sentinel.masters[0].instance.isSubjectivelyDown == false {
            harness.advance(100)
            harness.tick()
        }
        XCTAssertTrue(harness.sentinel.masters[0].instance.isSubjectivelyDown)
    }

    private func asks(_ effects: [Effect]) -> [LinkID: [String]] {
        var result: [LinkID: [String]] = [:]
        for case .send(let id, let words, .askMasterDown) in effects { result[id] = words }
        return result
    }

    func testPeersAreAskedOnceSubjectivelyDownAndQuorumMakesObjectivelyDown() {
        var (harness, _, peers) = harnessWithPeers(quorum: 2)
        XCTAssertTrue(asks(harness.effects).isEmpty, "no asking while the master is fine")
        driveToSubjectiveDown(&harness)
        let asked = asks(harness.effects)
        XCTAssertEqual(asked[peers[peerA]!], ["SENTINEL", "is-master-down-by-addr", "127.0.0.1", "6379", "0", "*"])
        XCTAssertTrue(harness.events("+odown").isEmpty, "own SDOWN alone is below a quorum of 2")
        harness.handle(.replyReceived(peers[peerA]!, .askMasterDown(master: "mymaster"), .array([.integer(1), .string("*"), .integer(0)])))
        harness.advance(50)
        harness.tick()
        XCTAssertEqual(harness.events("+odown").map(\.message), ["master mymaster 127.0.0.1 6379 #quorum 2/2"])
        XCTAssertEqual(harness.command("MASTER", "mymaster").reply.field("flags")?.hasPrefix("s_down,o_down,master"), true)
    }

    func testStaleAgreementIsForgottenAndObjectiveDownClears() {
        var (harness, _, peers) = harnessWithPeers(quorum: 2)
        driveToSubjectiveDown(&harness)
        harness.handle(.replyReceived(peers[peerA]!, .askMasterDown(master: "mymaster"), .array([.integer(1), .string("*"), .integer(0)])))
        harness.advance(10)
        harness.tick()
        XCTAssertEqual(harness.events("+odown").count, 1)
        // The peer stops answering: after five ask periods its word no longer counts.
        for _ in 0..<60 {
            harness.advance(100)
            harness.tick()
        }
        XCTAssertEqual(harness.events("-odown").count, 1)
    }

    func testMalformedAskRepliesAreIgnored() {
        var (harness, _, peers) = harnessWithPeers(quorum: 2)
        driveToSubjectiveDown(&harness)
        for junk: RedisValue in [.integer(1), .array([.string("1"), .string("*"), .integer(0)]), .error("ERR nope"), .array([])] {
            harness.handle(.replyReceived(peers[peerA]!, .askMasterDown(master: "mymaster"), junk))
        }
        harness.advance(10)
        harness.tick()
        XCTAssertTrue(harness.events("+odown").isEmpty)
    }

    func testVoteOncePerEpochAndPersistBeforeReply() {
        var harness = CoreHarness()
        let first = harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "3", peerA)
        XCTAssertEqual(first.reply, .array([.integer(0), .bulk(peerA), .integer(3)]))
        XCTAssertTrue(first.replyRequiresPersist, "the vote must be on disk before the reply leaves")
        XCTAssertEqual(first.effects.first, .persistConfig)
        XCTAssertEqual(harness.sentinel.currentEpoch, 3)
        XCTAssertEqual(harness.sentinel.currentConfig().masters[0].leaderEpoch, 3)
        let second = harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "3", peerB)
        XCTAssertEqual(second.reply, .array([.integer(0), .bulk(peerA), .integer(3)]), "the same epoch gets the same vote")
        XCTAssertFalse(second.effects.contains(.persistConfig))
        let third = harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "4", peerB)
        XCTAssertEqual(third.reply, .array([.integer(0), .bulk(peerB), .integer(4)]))
        let stale = harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "2", peerA)
        XCTAssertEqual(stale.reply, .array([.integer(0), .bulk(peerB), .integer(4)]), "an older epoch never takes a vote")
        XCTAssertEqual(harness.events("+vote-for-leader").map(\.message), ["\(peerA) 3", "\(peerB) 4"])
    }

    func testIsMasterDownAnswersByAddressWithoutVoting() {
        var harness = CoreHarness()
        XCTAssertEqual(harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "0", "*").reply,
                       .array([.integer(0), .bulk("*"), .integer(0)]))
        XCTAssertEqual(harness.command("IS-MASTER-DOWN-BY-ADDR", "10.9.9.9", "1", "0", "*").reply,
                       .array([.integer(0), .bulk("*"), .integer(0)]))
        XCTAssertEqual(harness.command("IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "x", "0", "*").reply,
                       .error("ERR value is not an integer or out of range"))
        XCTAssertEqual(harness.command("is-primary-down-by-addr", "127.0.0.1", "6379", "y", "*").reply,
                       .error("ERR value is not an integer or out of range"))
    }

    func testTiltIsEnteredOnClockJumpAndExitedAfterTiltPeriod() {
        var (harness, _, _) = harnessWithPeers()
        harness.sentinel.timing.tiltPeriod = 1_000
        harness.advance(2_500)
        harness.tick()
        XCTAssertEqual(harness.events("+tilt").map(\.message), ["#tilt mode entered"])
        XCTAssertTrue(harness.sentinel.inTilt)
        XCTAssertTrue(harness.events("+sdown").isEmpty, "no judgement is made from a clock that jumped")
        XCTAssertEqual(harness.sentinel.infoSentinelLines(now: harness.now)[1], "sentinel_tilt:1")
        for _ in 0..<10 {
            harness.advance(100)
            harness.tick()
        }
        XCTAssertEqual(harness.events("-tilt").map(\.message), ["#tilt mode exited"])
        XCTAssertFalse(harness.sentinel.inTilt)
    }
}

