import SentinelCore
import XCTest

/// A replica that claims to be master is demoted (§3.8): at once when it still writes the history
/// our master was promoted from (an old master back from a partition), after Redis's 8 s otherwise.
final class EnforcementTests: XCTestCase {
    static let oldHistory = String(repeating: "b", count: 40)
    static let newHistory = String(repeating: "a", count: 40)

    /// The master (6379) continued `oldHistory` when it was promoted; 7001 is known as its replica.
    static let masterInfo = "role:master\r\nmaster_replid:\(newHistory)\r\nmaster_replid2:\(oldHistory)\r\nmaster_repl_offset:100\r\n"

    func harnessWithPromotedMaster() -> (CoreHarness, master: LinkID, replica: LinkID) {
        var harness = CoreHarness(replicas: [Address(host: "127.0.0.1", port: 7001)])
        let links = harness.connectRequestedLinks(harness.tick())
        harness.tick()
        for case .send(let link, _, .ping) in harness.effects { harness.handle(.replyReceived(link, .ping, .status("PONG"))) }
        let master = harness.commandLink(to: 6379, in: links)!
        harness.handle(.replyReceived(master, .info, .string(Self.masterInfo)))
        harness.effects.removeAll()
        return (harness, master, harness.commandLink(to: 7001, in: links)!)
    }

    func testOldMasterStillWritingThePromotedHistoryIsDemotedOnItsFirstInfo() {
        var (harness, _, replica) = harnessWithPromotedMaster()
        harness.handle(.replyReceived(replica, .info, .string("role:master\r\nmaster_replid:\(Self.oldHistory)\r\nmaster_replid2:\(String(repeating: "0", count: 40))\r\n")))
        XCTAssertEqual(harness.events("+convert-to-slave").map(\.message), ["slave 127.0.0.1:7001 127.0.0.1 7001 @ mymaster 127.0.0.1 6379"])
        XCTAssertTrue(harness.effects.contains { effect in
            if case .send(replica, let words, _) = effect { return words.first?.uppercased() == "SLAVEOF" || words.first?.uppercased() == "REPLICAOF" }
            return false
        } || harness.effects.contains { effect in
            if case .send(replica, ["MULTI"], _) = effect { return true }
            return false
        }, "\(harness.effects)")
    }

    func testMasterWithAnotherHistoryWaitsEightSeconds() {
        var (harness, master, replica) = harnessWithPromotedMaster()
        // A restarted old master has a new history: nothing proves it was not promoted since, so
        // Redis's wait applies.
        let claim = "role:master\r\nmaster_replid:\(String(repeating: "c", count: 40))\r\n"
        harness.handle(.replyReceived(replica, .info, .string(claim)))
        XCTAssertTrue(harness.events("+convert-to-slave").isEmpty)
        var infoRequests = 0
        var converted = false
        let claimed = harness.now
        for _ in 0..<150 {
            harness.advance(100)
            harness.effects.removeAll()
            let produced = harness.tick()
            // Every node answers; the master's INFO stays fresh, so it looks sane.
            for case .send(let link, _, let purpose) in produced {
                switch purpose {
                case .ping: harness.handle(.replyReceived(link, .ping, .status("PONG")))
                case .info where link == replica:
                    infoRequests += 1
                    harness.handle(.replyReceived(replica, .info, .string(claim)))
                case .info where link == master: harness.handle(.replyReceived(master, .info, .string(Self.masterInfo)))
                default: break
                }
            }
            if !harness.events("+convert-to-slave").isEmpty {
                converted = true
                XCTAssertGreaterThan(harness.now - claimed, 8_000, "not before Redis's 8 s")
                break
            }
        }
        XCTAssertTrue(converted, "demoted once it has claimed master for 8 s; INFO asked \(infoRequests) times")
    }
}
