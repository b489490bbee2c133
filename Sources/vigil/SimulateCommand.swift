import Foundation
import SentinelSimulation

/// Runs seeded simulations and prints each failing seed with its parameters, so it can be replayed
/// with `--from <seed> --seeds 1`.
enum SimulateCommand {
    static func run(_ words: [String]) -> Int32 {
        var count: UInt64 = 1_000
        var first: UInt64 = 1
        var coordinated = false
        var index = 0
        while index < words.count {
            if words[index] == "--coordinated" {
                coordinated = true
                index += 1
                continue
            }
            let value = index + 1 < words.count ? UInt64(words[index + 1]) : nil
            switch (words[index], value) {
            case ("--seeds", .some(let parsed)): count = parsed
            case ("--from", .some(let parsed)): first = parsed
            default:
                FileHandle.standardError.write(Data("usage: vigil simulate [--seeds N] [--from FIRST-SEED] [--coordinated]\n".utf8))
                return 2
            }
            index += 2
        }
        var failures = 0
        let started = Date()
        for seed in first..<(first + count) {
            if case .failure(let violation) = FailoverScenario.run(seed: seed, coordinatedSwitchover: coordinated) {
                failures += 1
                print("VIOLATION \(violation)")
            }
            if (seed - first + 1) % 1_000 == 0 { print("\(seed - first + 1) seeds run, \(failures) violations") }
        }
        let seconds = Date().timeIntervalSince(started)
        print("simulation: \(count) seeds from \(first), \(failures) violations, \(String(format: "%.1f", seconds)) s")
        return failures == 0 ? 0 : 1
    }
}
