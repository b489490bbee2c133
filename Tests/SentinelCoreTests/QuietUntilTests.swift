@testable import SentinelCore
import XCTest

/// The beat's record of quiet masters (`MasterList.quietUntil`): a master whose visit and replicas'
/// visits are quiet is left alone until the first of their clocks runs out (`quietDeadline`), and
/// any change to the master forgets it.
final class QuietUntilTests: XCTestCase {
    private let masterPort = 6379
    private let replicaPort = 6380

    private typealias Nodes = MasterAndReplicaNodes

    /// A master with one replica, served for 3 s.
    private func atRest(downAfter: Int64, nodes: inout Nodes) -> CoreHarness {
        var harness = CoreHarness(downAfter: downAfter, replicas: [Address(host: "127.0.0.1", port: 6380)])
        for _ in 0..<300 {
            nodes.serve(&harness, harness.tick())
            harness.advance(10)
        }
        return harness
    }

    /// Whether master 0's own visit and its replicas' are all quiet at `now`, as the beat judges them.
    private func groupIsQuiet(_ sentinel: Sentinel, at now: Instant) -> Bool {
        var busy: [Int] = []
        sentinel.quietReplicas(0, now: now, busy: &busy)
        return !sentinel.hasDecisionsPending(0) && sentinel.masterVisitIsQuiet(0, now: now) && busy.isEmpty
    }

    func testTheBeatNotesAQuietMasterAndForgetsItWhenTheMasterChanges() throws {
        var nodes = Nodes()
        var harness = atRest(downAfter: 5_000, nodes: &nodes)
        var notedAt: Instant?
        for _ in 0..<100 where notedAt == nil {
            harness.advance(10)
            nodes.serve(&harness, harness.tick())
            if harness.sentinel.masters.isKnownQuiet(0, at: harness.now) { notedAt = harness.now }
        }
        XCTAssertNotNil(notedAt, "a master at rest is noted quiet by a beat")
        XCTAssertTrue(groupIsQuiet(harness.sentinel, at: harness.now))
        // A reply on the master's link changes the master: it is judged afresh.
        let masterLink = try XCTUnwrap(nodes.portOfLink.first { $0.value == masterPort && harness.sentinel.linkOwners[$0.key] != nil }?.key)
        harness.handle(.replyReceived(masterLink, .ping, .status("PONG")))
        XCTAssertFalse(harness.sentinel.masters.isKnownQuiet(0, at: harness.now))

        // Noted again, then forgotten when the periods it was judged with change.
        for _ in 0..<100 where !harness.sentinel.masters.isKnownQuiet(0, at: harness.now) {
            harness.advance(10)
            nodes.serve(&harness, harness.tick())
        }
        XCTAssertTrue(harness.sentinel.masters.isKnownQuiet(0, at: harness.now))
        harness.sentinel.timing.publishPeriod += 1
        XCTAssertFalse(harness.sentinel.masters.isKnownQuiet(0, at: harness.now))
    }

    /// The deadline restates each rule of `visitIsQuiet` as a clock: whenever the group is quiet, it
    /// is still quiet the millisecond before the deadline and no longer at it (nothing changing in
    /// between). Short and long down-after, and a replica that stops answering and goes down.
    func testTheQuietDeadlineIsWhenTheFirstClockRunsOut() {
        for downAfter: Int64 in [100, 1_000, 5_000] {
            var nodes = Nodes()
            var harness = atRest(downAfter: downAfter, nodes: &nodes)
            var judged = 0
            var replicaWentDown = false
            for step in 0..<(500 + Int(downAfter / 7)) {
                // After a while the replica hangs, so that its silence becomes a clock, then SDOWN.
                if step == 200 { nodes.silent.insert(replicaPort) }
                harness.advance(7)
                nodes.serve(&harness, harness.tick())
                let sentinel = harness.sentinel
                if sentinel.masters[0].replicas.first?.instance.isSubjectivelyDown == true { replicaWentDown = true }
                guard groupIsQuiet(sentinel, at: harness.now) else { continue }
                let deadline = sentinel.groupQuietDeadline(0, now: harness.now)
                XCTAssertGreaterThan(deadline, harness.now)
                guard deadline.milliseconds != .max else { continue }
                judged += 1
                XCTAssertTrue(groupIsQuiet(sentinel, at: Instant(milliseconds: deadline.milliseconds - 1)),
                              "down-after \(downAfter), step \(step): not quiet before its deadline \(deadline)")
                XCTAssertFalse(groupIsQuiet(sentinel, at: deadline), "down-after \(downAfter), step \(step): still quiet at its deadline \(deadline)")
            }
            XCTAssertGreaterThan(judged, 100, "down-after \(downAfter)")
            XCTAssertTrue(replicaWentDown, "down-after \(downAfter): the silent replica went down")
        }
    }
}
