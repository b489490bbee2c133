import Foundation
import SentinelCore
import SentinelSimulation
import XCTest

final class FailoverSimulationTests: XCTestCase {
    /// CI's fixed seed set. `vigil simulate --seeds N --from S` runs any other range.
    func testFixedSeedsKeepSafetyAndConverge() {
        let count = UInt64(ProcessInfo.processInfo.environment["VIGIL_SIM_SEEDS"].flatMap(UInt64.init) ?? 500)
        var failures: [String] = []
        for seed in 1...count {
            if case .failure(let violation) = FailoverScenario.run(seed: seed) { failures.append(violation.description) }
        }
        XCTAssertEqual(failures, [], "replay with: vigil simulate --from <seed> --seeds 1")
    }

    /// Planned switchovers under the same faults: safety and convergence as for failures. 500 seeds:
    /// the first faults found in this scenario needed seeds above 200 (279, 320 and 488).
    func testCoordinatedSwitchoverSeedsKeepSafetyAndConverge() {
        var failures: [String] = []
        var switched = 0
        for seed in 1...UInt64(500) {
            switch FailoverScenario.run(seed: seed, coordinatedSwitchover: true) {
            case .failure(let violation): failures.append(violation.description)
            case .success(let world): if world.events.contains(where: { $0.event.type == "+coordinated-handover" }) { switched += 1 }
            }
        }
        XCTAssertEqual(failures, [], "replay with: vigil simulate --coordinated --from <seed> --seeds 1")
        XCTAssertGreaterThan(switched, 250, "most runs really hand over")
    }

    func testSameSeedReplaysExactly() {
        var first = SimulationWorld(parameters: .init(seed: 42))
        var second = SimulationWorld(parameters: .init(seed: 42))
        first.crash(node: 0)
        second.crash(node: 0)
        first.run(until: Instant(milliseconds: 20_000))
        second.run(until: Instant(milliseconds: 20_000))
        XCTAssertEqual(first.events.map { "\($0.sentinel)@\($0.at) \($0.event)" }, second.events.map { "\($0.sentinel)@\($0.at) \($0.event)" })
        XCTAssertFalse(first.events.isEmpty)
    }

    /// The scripted scenarios' world: three sentinels (quorum 2), a master and two replicas,
    /// down-after 1000 ms, no message loss, so that only the scripted fault acts.
    func threeSentinelsTwoReplicasWithoutLoss(seed: UInt64) -> SimulationWorld {
        var parameters = SimulationWorld.Parameters(seed: seed)
        parameters.sentinelCount = 3
        parameters.replicaCount = 2
        parameters.quorum = 2
        parameters.downAfter = 1_000
        parameters.lossPerMille = 0
        return SimulationWorld(parameters: parameters)
    }

    func testMajoritySideOfAPartitionFailsOverAndTheOldMasterIsDemotedAfterHealing() {
        var world = threeSentinelsTwoReplicasWithoutLoss(seed: 7)
        world.run(until: Instant(milliseconds: 6_000))
        let oldMaster = world.nodes[0].address
        // Sentinel 0 stays with the master; sentinels 1 and 2 stay with both replicas.
        world.partition(sentinelsOnOneSide: [0], nodesOnOneSide: [0])
        world.run(until: Instant(milliseconds: 20_000))
        let views = world.sentinels.map { $0.currentMasterAddress(named: "mymaster") }
        XCTAssertEqual(views[0], oldMaster, "one sentinel of three cannot fail over")
        XCTAssertEqual(views[1], views[2])
        XCTAssertNotEqual(views[1], oldMaster, "the majority side promoted a replica")
        XCTAssertTrue(world.nodes[0].isMaster, "the old master still serves on its side of the partition")
        world.healNetwork()
        world.run(until: Instant(milliseconds: 60_000))
        let healed = world.sentinels.map { $0.currentMasterAddress(named: "mymaster") }
        XCTAssertEqual(Set(healed.map { $0?.description ?? "none" }).count, 1, "all sentinels agree after healing")
        let newMaster = try! XCTUnwrap(healed[0])
        XCTAssertEqual(world.nodes[0].role, .replica(of: newMaster), "the old master was demoted")
        XCTAssertEqual(world.violations, [])
    }

    func testPausedSentinelEntersTiltOnResumeAndCatchesUpWithTheFailover() {
        var world = threeSentinelsTwoReplicasWithoutLoss(seed: 11)
        world.run(until: Instant(milliseconds: 6_000))
        let oldMaster = world.nodes[0].address
        world.pause(sentinel: 0)
        world.crash(node: 0)
        world.run(until: Instant(milliseconds: 20_000))
        let newMaster = try! XCTUnwrap(world.sentinels[1].currentMasterAddress(named: "mymaster"))
        XCTAssertNotEqual(newMaster, oldMaster, "two sentinels of three fail over while the third is paused")
        XCTAssertEqual(world.sentinels[0].currentMasterAddress(named: "mymaster"), oldMaster, "the paused one knows nothing yet")
        world.resume(sentinel: 0)
        world.run(until: Instant(milliseconds: 21_000))
        XCTAssertTrue(world.events.contains { $0.sentinel == 0 && $0.event.type == "+tilt" }, "its clock jumped 14 s")
        world.run(until: Instant(milliseconds: 60_000))
        XCTAssertEqual(world.sentinels.map { $0.currentMasterAddress(named: "mymaster") }, [newMaster, newMaster, newMaster])
        XCTAssertTrue(world.events.contains { $0.sentinel == 0 && $0.event.type == "-tilt" })
        XCTAssertEqual(world.violations, [])
    }
}
