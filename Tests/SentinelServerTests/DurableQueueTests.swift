import SentinelCore
@testable import SentinelServer
import XCTest

/// The Ready/Advance order of the driver, with the disk played by the test.
final class DurableQueueTests: XCTestCase {
    struct DiskFull: Error {}
    /// A run id as a peer sends one (40 hex digits): anything else is refused before any vote.
    static let candidate = "cafe" + String(repeating: "0", count: 36)

    var sentinel: Sentinel!
    var queue: DurableQueue!
    var performed: [Effect] = []
    var writes: [(Error?) -> Void] = []
    var replies: [Reply] = []

    override func setUp() {
        var config = SentinelConfig()
        config.masters = [MasterConfig(name: "mymaster", address: Address(host: "127.0.0.1", port: 6379), quorum: 2)]
        config.myid = String(repeating: "a", count: 40)
        sentinel = Sentinel(config: config, seed: 1, now: .zero)
        queue = DurableQueue(
            core: DurableQueue.Core(get: { self.sentinel }, set: { self.sentinel = $0 }),
            perform: { self.performed += $0 },
            write: { self.writes.append($0) },
            failed: { _ in })
    }

    func command(_ words: [String]) {
        queue.submit {
            let outcome = self.sentinel.execute(sentinelCommand: words, now: .zero)
            return DurableQueue.Outcome(effects: outcome.effects) { durable in
                self.replies.append(durable ? outcome.reply : CommandOutcome.saveFailedReply)
            }
        }
    }

    func vote(epoch: Int64) { command(["IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", String(epoch), Self.candidate]) }

    func completeWrite(_ error: Error? = nil) {
        let done = writes.removeFirst()
        done(error)
    }

    func testReadsWithNoWriteInFlightAnswerAtOnce() {
        command(["GET-MASTER-ADDR-BY-NAME", "mymaster"])
        XCTAssertEqual(replies, [.array([.bulk("127.0.0.1"), .bulk("6379")])])
        XCTAssertTrue(writes.isEmpty)
    }

    func testEverythingAfterAPersistWaitsForItsWriteInOrder() {
        vote(epoch: 5)
        command(["GET-MASTER-ADDR-BY-NAME", "mymaster"])
        XCTAssertEqual(writes.count, 1)
        XCTAssertTrue(replies.isEmpty, "neither the vote nor the read behind it answers before the write")
        XCTAssertTrue(performed.isEmpty, "+new-epoch and +vote-for-leader wait for the disk")
        completeWrite()
        XCTAssertEqual(replies, [.array([.integer(0), .bulk(Self.candidate), .integer(5)]), .array([.bulk("127.0.0.1"), .bulk("6379")])])
        XCTAssertTrue(performed.contains { if case .emit(let event) = $0 { event.type == "+vote-for-leader" } else { false } })
    }

    func testPersistsQueuedDuringAWriteShareTheNextOne() {
        vote(epoch: 5)
        command(["SET", "mymaster", "quorum", "3"])
        command(["SET", "mymaster", "quorum", "4"])
        XCTAssertEqual(writes.count, 1)
        completeWrite()
        XCTAssertEqual(replies.count, 1)
        XCTAssertEqual(writes.count, 1, "both SETs share one write")
        completeWrite()
        XCTAssertEqual(replies, [.array([.integer(0), .bulk(Self.candidate), .integer(5)]), .ok, .ok])
    }

    /// A burst behind a write (a start with hundreds of masters) grows the ring of held batches; once
    /// they are all released the ring gives that room back rather than keeping it for good.
    func testTheRingGivesBackWhatABurstGrewOnceEmptied() {
        vote(epoch: 5)
        for _ in 0..<(DurableQueue.ringCapacityKeptAtRest * 4) { command(["GET-MASTER-ADDR-BY-NAME", "mymaster"]) }
        XCTAssertGreaterThan(queue.heldCapacity, DurableQueue.ringCapacityKeptAtRest * 2)
        completeWrite()
        XCTAssertEqual(replies.count, DurableQueue.ringCapacityKeptAtRest * 4 + 1, "every held batch was released in order")
        XCTAssertTrue(queue.isIdle)
        XCTAssertLessThanOrEqual(queue.heldCapacity, DurableQueue.ringCapacityKeptAtRest)
    }

    func testAFailedWriteUndoesItsBatchesAndRunsTheOthersAgain() {
        vote(epoch: 5)
        command(["GET-MASTER-ADDR-BY-NAME", "mymaster"])
        completeWrite(DiskFull())
        XCTAssertEqual(replies, [CommandOutcome.saveFailedReply, .array([.bulk("127.0.0.1"), .bulk("6379")])])
        XCTAssertEqual(sentinel.currentEpoch, 0, "memory is as it was")
        XCTAssertEqual(sentinel.masters[0].settings.leaderEpoch, 0)
        XCTAssertTrue(performed.allSatisfy { if case .log = $0 { true } else { false } }, "no event of the undone vote went out")
        vote(epoch: 5)
        XCTAssertEqual(writes.count, 1, "asked again, the vote needs the disk again: memory did not keep it")
        completeWrite(DiskFull())
        vote(epoch: 5)
        completeWrite()
        XCTAssertEqual(replies.last, .array([.integer(0), .bulk(Self.candidate), .integer(5)]))
        XCTAssertEqual(sentinel.masters[0].settings.leaderEpoch, 5)
    }

    func testATickPartThatCannotBeSavedHoldsBackOnlyItself() {
        var plan = sentinel.tickPlan()
        XCTAssertEqual(plan.first, .begin)
        XCTAssertEqual(plan.last, .finish)
        // A command that persists stands in for a failover start; the monitoring parts that follow
        // run again on the restored state and go out.
        vote(epoch: 5)
        plan.removeFirst()
        for step in plan where step.neverPersists {
            queue.submit(neverPersists: true) { DurableQueue.Outcome(effects: self.sentinel.tick(step, now: Instant(milliseconds: 1_000))) }
        }
        XCTAssertTrue(performed.isEmpty)
        completeWrite(DiskFull())
        XCTAssertTrue(performed.contains { if case .connect = $0 { true } else { false } }, "the master's links are opened")
    }
}
