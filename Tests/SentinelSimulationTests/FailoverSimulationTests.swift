import Foundation
import SentinelCore
import SentinelSimulation
import XCTest

final class FailoverSimulationTests: XCTestCase {
    /// CI's fixed seed set: safety, convergence and liveness. `vigil simulate --seeds N --from S`
    /// runs any other range.
    func testFixedSeedsKeepSafetyLivenessAndConverge() {
        let count = UInt64(ProcessInfo.processInfo.environment["VIGIL_SIM_SEEDS"].flatMap(UInt64.init) ?? 500)
        var failures: [String] = []
        var livenessChecked = 0
        var severalMasters = 0
        for seed in 1...count {
            switch FailoverScenario.runChecked(seed: seed) {
            case .failure(let violation): failures.append(violation.description)
            case .success(let outcome):
                livenessChecked += outcome.switchDelays.count
                if outcome.world.groups.count > 1 { severalMasters += 1 }
            }
        }
        XCTAssertEqual(failures, [], "replay with: vigil simulate --from <seed> --seeds 1")
        XCTAssertGreaterThan(livenessChecked, Int(count) / 20, "clean worlds with failed masters are checked for liveness")
        XCTAssertGreaterThan(severalMasters, Int(count) / 3, "many worlds have several masters")
    }

    /// Planned switchovers under the same faults: safety and convergence as for failures. 300 seeds
    /// in CI (worlds of many masters cost more than the single-master worlds did); the long run is
    /// `vigil simulate --coordinated --seeds N`.
    func testCoordinatedSwitchoverSeedsKeepSafetyAndConverge() {
        var failures: [String] = []
        var switched = 0
        for seed in 1...UInt64(300) {
            switch FailoverScenario.run(seed: seed, coordinatedSwitchover: true) {
            case .failure(let violation): failures.append(violation.description)
            case .success(let world): if world.events.contains(where: { $0.event.type == "+coordinated-handover" }) { switched += 1 }
            }
        }
        XCTAssertEqual(failures, [], "replay with: vigil simulate --coordinated --from <seed> --seeds 1")
        XCTAssertGreaterThan(switched, 150, "most runs really hand over")
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
        parameters.masterCount = 1
        parameters.partialWatching = false
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
        // The old master still writes the history the new master was promoted from, so it is demoted
        // as soon as a majority-side sentinel reaches it again, not after Redis's 8 s.
        world.run(until: Instant(milliseconds: 22_000))
        XCTAssertFalse(world.nodes[0].isMaster, "the old master was demoted within 2 s of the heal")
        world.run(until: Instant(milliseconds: 60_000))
        let healed = world.sentinels.map { $0.currentMasterAddress(named: "mymaster") }
        XCTAssertEqual(Set(healed.map { $0?.description ?? "none" }).count, 1, "all sentinels agree after healing")
        let newMaster = try! XCTUnwrap(healed[0])
        XCTAssertEqual(world.nodes[0].role, .replica(of: newMaster), "the old master was demoted")
        XCTAssertEqual(world.violations, [])
    }

    /// Replicas cut from their master fall behind; when the master then dies, the promotion bound
    /// refuses them (nothing is promoted, the master comes back and stays master), and without the
    /// bound the stale replica is promoted, as Redis Sentinel promotes it.
    func testReplicasSplitFromTheMasterAreNotPromotedBeyondTheBound() {
        for bounded in [true, false] {
            var world = threeSentinelsTwoReplicasWithoutLoss(seed: 5)
            world.run(until: Instant(milliseconds: 6_000))
            if bounded {
                for sentinel in world.sentinels.indices {
                    XCTAssertEqual(world.command(sentinel: sentinel, ["SET", "mymaster", "vigil-promotion-max-lag-bytes", "1000"]), .simple("OK"))
                }
            }
            let oldMaster = world.nodes[0].address
            world.splitReplicas(ofGroup: 0)
            world.run(until: Instant(milliseconds: 11_000))
            world.crash(node: 0)
            world.run(until: Instant(milliseconds: 20_000))
            let views = world.sentinels.map { $0.currentMasterAddress(named: "mymaster") }
            if bounded {
                XCTAssertEqual(views, [oldMaster, oldMaster, oldMaster], "no replica 5 s behind is promoted")
                XCTAssertTrue(world.events.contains { $0.event.type == "-failover-abort-replicas-behind" })
                world.restart(node: 0)
                world.healNetwork()
                world.run(until: Instant(milliseconds: 40_000))
                XCTAssertTrue(world.nodes[0].isMaster)
                XCTAssertEqual(world.nodes[1].role, .replica(of: oldMaster))
            } else {
                XCTAssertNotEqual(views[1], oldMaster, "without the bound a stale replica is promoted")
            }
            XCTAssertEqual(world.violations, [], "bounded: \(bounded)")
        }
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

    /// A world of `masters` masters with one replica each, watched by three sentinels (quorum 2),
    /// without message loss.
    func severalMasters(_ masters: Int, downAfter: Int64, seed: UInt64) -> SimulationWorld {
        var parameters = SimulationWorld.Parameters(seed: seed)
        parameters.sentinelCount = 3
        parameters.masterCount = masters
        parameters.partialWatching = false
        parameters.replicaCount = 1
        parameters.quorum = 2
        parameters.downAfter = downAfter
        parameters.maxNetworkDelay = 2
        parameters.lossPerMille = 0
        return SimulationWorld(parameters: parameters)
    }

    func testSentinelsWatchingSeveralMastersKnowEachOtherUnderEveryMaster() {
        var world = severalMasters(5, downAfter: 1_000, seed: 3)
        world.run(until: Instant(milliseconds: 10_000))
        for sentinel in world.sentinels {
            XCTAssertEqual(sentinel.masters.map(\.sentinels.count), [2, 2, 2, 2, 2])
        }
        XCTAssertFalse(world.events.contains { $0.event.type == "+sentinel-address-switch" }, "no peer moved")
    }

    /// A host carrying twenty masters is lost: every master is switched, the last within down-after
    /// plus a second, with one leader per master and epoch.
    func testHostLossOfTwentyMastersSwitchesEveryMasterWithinASecondOfDownAfter() {
        for seed in UInt64(1)...2 {
            var world = severalMasters(20, downAfter: 2_000, seed: seed)
            world.run(until: Instant(milliseconds: 6_000))
            let crashedAt = world.now
            for group in world.groups { world.crash(node: group.nodes[0]) }
            world.run(until: crashedAt + 10_000)
            for group in world.groups {
                let switched = world.events.first { $0.event.type == "+switch-master" && $0.event.masterName == group.name }
                XCTAssertNotNil(switched, "seed \(seed): \(group.name) was not switched")
                if let switched { XCTAssertLessThanOrEqual(switched.at - crashedAt, 2_000 + 100 + 1_000, "seed \(seed): \(group.name)") }
            }
            XCTAssertEqual(world.violations, [], "seed \(seed)")
        }
    }

    /// Down-after 100 ms: the failover comes within 300 ms of the crash, whenever the replicas' INFO
    /// was last refreshed.
    func testShortDownAfterSwitchesWithinThreeHundredMilliseconds() {
        for seed in UInt64(1)...20 {
            var world = severalMasters(1, downAfter: 100, seed: seed)
            world.run(until: Instant(milliseconds: 6_000 + Int64(seed) * 487))
            let crashedAt = world.now
            world.crash(node: 0)
            world.run(until: crashedAt + 5_000)
            let switched = world.events.first { $0.event.type == "+switch-master" }
            XCTAssertNotNil(switched, "seed \(seed)")
            if let switched { XCTAssertLessThanOrEqual(switched.at - crashedAt, 300, "seed \(seed)") }
            XCTAssertEqual(world.violations, [], "seed \(seed)")
        }
    }
}
