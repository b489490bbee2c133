import SentinelCore
import XCTest

final class SubjectiveDownTests: XCTestCase {
    /// Connects the master's links and answers its first PING, so the clock starts from a healthy state.
    private func healthyMaster(downAfter: Int64 = 1_000) -> (CoreHarness, LinkID) {
        var harness = CoreHarness(downAfter: downAfter)
        let links = harness.connectRequestedLinks(harness.tick())
        let command = harness.commandLink(to: 6379, in: links)!
        harness.handle(.replyReceived(command, .ping, .status("PONG")))
        harness.handle(.replyReceived(command, .info, .string("role:master\r\n")))
        return (harness, command)
    }

    func testFirstTickOpensCommandAndPubsubLinks() {
        var harness = CoreHarness()
        let produced = harness.tick()
        let kinds = produced.compactMap { effect -> LinkKind? in
            if case .connect(_, let address, let kind) = effect, address.port == 6379 { return kind }
            return nil
        }
        XCTAssertEqual(kinds, [.command, .pubsub])
    }

    func testConnectedCommandLinkNamesItselfAndPings() {
        var harness = CoreHarness()
        let links = harness.connectRequestedLinks(harness.tick())
        let command = harness.commandLink(to: 6379, in: links)!
        let sent = harness.effects.compactMap { effect -> [String]? in
            if case .send(let id, let words, _) = effect, id == command { return words }
            return nil
        }
        XCTAssertEqual(sent.first, ["CLIENT", "SETNAME", "sentinel-aaaaaaaa-cmd"])
        XCTAssertTrue(sent.contains(["PING"]))
    }

    func testMasterIsSubjectivelyDownOnlyAfterDownAfterWithoutPong() {
        var (harness, command) = healthyMaster(downAfter: 1_000)
        let lastReply = harness.now
        var pingSentAt: Instant?
        for _ in 0..<5_000 where harness.events("+sdown").isEmpty {
            harness.advance(1)
            let produced = harness.tick()
            if pingSentAt == nil, produced.contains(.send(command, ["PING"], .ping)) { pingSentAt = harness.now }
        }
        let sent = try! XCTUnwrap(pingSentAt)
        // A quarter of down-after is the interval; a master's PING may go up to a quarter of it early
        // (so that masters due close together share a tick), and a tick every millisecond finds it so.
        XCTAssertEqual(sent - lastReply, 189, "the next PING goes out once the last reply is older than three quarters of the interval")
        XCTAssertEqual(harness.events("+sdown").map(\.message), ["master mymaster 127.0.0.1 6379"])
        XCTAssertEqual(harness.now - lastReply, 1_001, "down once the master has been silent, a PING unanswered, for more than down-after")
        XCTAssertEqual(harness.sentinel.masters[0].instance.isSubjectivelyDown, true)
        XCTAssertNotNil(harness.command("MASTER", "mymaster").reply.field("s-down-time"))
    }

    func testMasterWithAnAnsweredPingIsNotDownWhileAPingWaitsLessThanThreeQuartersOfDownAfter() {
        var (harness, command) = healthyMaster(downAfter: 1_000)
        var waitingSince: Instant?
        var answered = 0
        for _ in 0..<3_000 {
            harness.advance(1)
            let produced = harness.tick()
            // Every PING is answered 700 ms late: the master is never silent for down-after.
            if waitingSince == nil, produced.contains(.send(command, ["PING"], .ping)) { waitingSince = harness.now }
            if let since = waitingSince, harness.now - since == 700 {
                harness.handle(.replyReceived(command, .ping, .status("PONG")))
                waitingSince = nil
                answered += 1
            }
        }
        XCTAssertGreaterThan(answered, 2)
        XCTAssertEqual(harness.events("+sdown").count, 0)
    }

    func testTimerWakesExactlyWhenDownAfterExpires() {
        var (harness, command) = healthyMaster(downAfter: 1_000)
        let lastReply = harness.now
        var pingedAt: Int64?
        var wakes: [Int64] = []
        for _ in 0..<100 where harness.events("+sdown").isEmpty {
            let delay = harness.sentinel.nextTickDelayMilliseconds(now: harness.now)
            XCTAssertTrue((1...100).contains(delay))
            harness.advance(delay)
            if harness.tick().contains(.send(command, ["PING"], .ping)), pingedAt == nil { pingedAt = harness.now - lastReply }
            wakes.append(harness.now - lastReply)
        }
        let pinged = try! XCTUnwrap(pingedAt)
        XCTAssertTrue((189...251).contains(pinged), "pinged \(pinged) ms after the last reply")
        XCTAssertEqual(wakes.last, 1_001, "+sdown at the first millisecond past down-after, not at the next beat")
        XCTAssertEqual(harness.events("+sdown").count, 1)
    }

    func testPongClearsSubjectiveDown() {
        var (harness, command) = healthyMaster(downAfter: 500)
        for _ in 0..<20 {
            harness.advance(100)
            harness.tick()
        }
        XCTAssertEqual(harness.events("+sdown").count, 1)
        harness.handle(.replyReceived(command, .ping, .status("PONG")))
        harness.advance(100)
        harness.tick()
        XCTAssertEqual(harness.events("-sdown").map(\.message), ["master mymaster 127.0.0.1 6379"])
        let map = harness.command("MASTER", "mymaster").reply
        XCTAssertEqual(map.field("flags"), "master")
        XCTAssertNil(map.field("s-down-time"))
    }

    func testLoadingAndMasterdownRepliesCountAsAvailable() {
        var (harness, command) = healthyMaster(downAfter: 500)
        for step in 0..<20 {
            harness.advance(100)
            harness.tick()
            let reply: RedisValue = step.isMultiple(of: 2) ? .error("LOADING Redis is loading") : .error("MASTERDOWN Link down")
            harness.handle(.replyReceived(command, .ping, reply))
        }
        XCTAssertTrue(harness.events("+sdown").isEmpty)
    }

    func testOtherErrorRepliesDoNotCountAsAvailable() {
        var (harness, command) = healthyMaster(downAfter: 500)
        for _ in 0..<30 {
            harness.advance(100)
            if harness.tick().contains(.send(command, ["PING"], .ping)) {
                harness.handle(.replyReceived(command, .ping, .error("NOAUTH Authentication required.")))
            }
        }
        XCTAssertEqual(harness.events("+sdown").count, 1)
        let map = harness.command("MASTER", "mymaster").reply
        XCTAssertLessThan(Int(map.field("last-ping-reply")!)!, 700, "any reply counts as a reply")
        XCTAssertGreaterThan(Int(map.field("last-ok-ping-reply")!)!, 2_000)
    }

    func testUnreachableMasterGoesDownFromCreation() {
        var harness = CoreHarness(downAfter: 1_000)
        var links = harness.tick()
        for case .connect(let id, _, _) in links { harness.handle(.linkClosed(id, reason: "refused")) }
        for _ in 0..<11 {
            harness.advance(100)
            links = harness.tick()
            for case .connect(let id, _, _) in links { harness.handle(.linkClosed(id, reason: "refused")) }
        }
        XCTAssertEqual(harness.events("+sdown").count, 1)
        XCTAssertEqual(harness.command("MASTER", "mymaster").reply.field("flags"), "s_down,master,disconnected")
    }

    func testMasterReportingReplicaRoleIsDownAfterDownAfterPlusTwoInfoPeriods() {
        var (harness, command) = healthyMaster(downAfter: 1_000)
        harness.sentinel.timing.infoPeriod = 1_000
        harness.handle(.replyReceived(command, .info, .string("role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:7000\r\n")))
        XCTAssertEqual(harness.events("-role-change").count, 1)
        for _ in 0..<30 {
            harness.advance(100)
            for case .send(let id, ["PING"], _) in harness.tick() {
                harness.handle(.replyReceived(id, .ping, .status("PONG")))
            }
        }
        XCTAssertTrue(harness.events("+sdown").isEmpty, "3000 ms is not more than down-after + 2 info periods")
        harness.advance(200)
        harness.tick()
        XCTAssertEqual(harness.events("+sdown").count, 1)
    }

    func testRebootDetectedFromRunIDChange() {
        var (harness, command) = healthyMaster(downAfter: 60_000)
        _ = harness.command("SET", "mymaster", "master-reboot-down-after-period", "500")
        let first = String(repeating: "1", count: 40)
        let second = String(repeating: "2", count: 40)
        harness.handle(.replyReceived(command, .info, .string("run_id:\(first)\r\nrole:master\r\n")))
        harness.handle(.replyReceived(command, .info, .string("run_id:\(second)\r\nrole:master\r\n")))
        XCTAssertEqual(harness.events("+reboot").map(\.message), ["master mymaster 127.0.0.1 6379"])
        harness.advance(600)
        harness.tick()
        XCTAssertEqual(harness.events("+sdown").count, 1, "a rebooted master that has not answered PONG is down")
        harness.handle(.replyReceived(command, .ping, .status("PONG")))
        harness.tick()
        XCTAssertEqual(harness.events("-sdown").count, 1)
    }
}
