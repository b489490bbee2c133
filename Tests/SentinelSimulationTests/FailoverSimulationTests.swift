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
}
