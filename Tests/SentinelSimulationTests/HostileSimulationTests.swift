import Foundation
import SentinelCore
import SentinelSimulation
import XCTest

/// Lying nodes, peers and operators (see `HostileScenario`): no sentinel traps, every config file
/// written loads and rewrites to itself, memory stays bounded. A trap ends the test process, so each
/// seed is written to standard error before it runs: the last one printed is the one to replay with
/// `vigil simulate --hostile --from <seed> --seeds 1`.
final class HostileSimulationTests: XCTestCase {
    func testLyingNodesPeersAndOperatorsNeverTrapOrBreakTheConfig() {
        let count = UInt64(ProcessInfo.processInfo.environment["VIGIL_HOSTILE_SEEDS"].flatMap(UInt64.init) ?? 40)
        var failures: [String] = []
        var lies = 0
        var refused = 0
        for seed in 1...count {
            FileHandle.standardError.write(Data("hostile simulation seed \(seed)\n".utf8))
            switch HostileScenario.run(seed: seed) {
            case .failure(let violation): failures.append(violation.description)
            case .success(let outcome):
                lies += outcome.liesTold
                refused += outcome.commandsRefused
            }
        }
        XCTAssertEqual(failures, [], "replay with: vigil simulate --hostile --from <seed> --seeds 1")
        XCTAssertGreaterThan(lies, Int(count) * 50, "every world hears many lies")
        XCTAssertGreaterThan(refused, Int(count) * 5, "edge values are refused with errors")
    }

    func testHostileSeedReplaysExactly() throws {
        let first = try HostileScenario.run(seed: 7).get()
        let second = try HostileScenario.run(seed: 7).get()
        XCTAssertEqual(first.world.events.map { "\($0.sentinel)@\($0.at) \($0.event)" }, second.world.events.map { "\($0.sentinel)@\($0.at) \($0.event)" })
        XCTAssertEqual(first.liesTold, second.liesTold)
    }
}
