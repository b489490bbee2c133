import Foundation
import SentinelSimulation

/// Runs seeded simulations and prints each failing seed with its parameters, so it can be replayed
/// with `--from <seed> --seeds 1`.
enum SimulateCommand {
    static func run(_ words: [String]) -> Int32 {
        var count: UInt64 = 1_000
        var first: UInt64 = 1
        var coordinated = false
        var trace = false
        var hostile = false
        var index = 0
        while index < words.count {
            if ["--coordinated", "--trace", "--hostile"].contains(words[index]) {
                switch words[index] {
                case "--trace": trace = true
                case "--hostile": hostile = true
                default: coordinated = true
                }
                index += 1
                continue
            }
            let value = index + 1 < words.count ? UInt64(words[index + 1]) : nil
            switch (words[index], value) {
            case ("--seeds", .some(let parsed)): count = parsed
            case ("--from", .some(let parsed)): first = parsed
            default:
                FileHandle.standardError.write(Data("usage: vigil simulate [--seeds N] [--from FIRST-SEED] [--coordinated | --hostile] [--trace]\n".utf8))
                return 2
            }
            index += 2
        }
        if hostile { return runHostile(first: first, count: count) }
        var failures = 0
        var switchDelays: [Int64] = []
        let started = Date()
        for seed in first..<(first + count) {
            switch FailoverScenario.runChecked(seed: seed, coordinatedSwitchover: coordinated) {
            case .failure(let violation):
                failures += 1
                print("VIOLATION \(violation)")
                // Every event of the failing run, to follow what each sentinel did and when.
                if trace, let world = violation.world {
                    for entry in world.events { print("  sentinel \(entry.sentinel) @\(entry.at) \(entry.event)") }
                }
            case .success(let outcome):
                switchDelays += outcome.switchDelays
            }
            if (seed - first + 1) % 1_000 == 0 { print("\(seed - first + 1) seeds run, \(failures) violations") }
        }
        let seconds = Date().timeIntervalSince(started)
        print("simulation: \(count) seeds from \(first), \(failures) violations, \(String(format: "%.1f", seconds)) s")
        print(switchDelaySummary(switchDelays))
        return failures == 0 ? 0 : 1
    }

    /// Lying nodes, peers and operators: each seed is printed before it runs, because a trap ends the
    /// process and the last seed printed is then the one to replay.
    static func runHostile(first: UInt64, count: UInt64) -> Int32 {
        var failures = 0
        var lies = 0
        let started = Date()
        for seed in first..<(first + count) {
            FileHandle.standardError.write(Data("hostile seed \(seed)\n".utf8))
            switch HostileScenario.run(seed: seed) {
            case .failure(let violation):
                failures += 1
                print("VIOLATION \(violation)")
            case .success(let outcome):
                lies += outcome.liesTold
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("hostile simulation: \(count) seeds from \(first), \(lies) lies told, \(failures) violations, \(String(format: "%.1f", seconds)) s")
        return failures == 0 ? 0 : 1
    }

    /// The distribution of +switch-master minus the failure minus down-after, over every failed
    /// master the liveness check covered.
    static func switchDelaySummary(_ delays: [Int64]) -> String {
        guard !delays.isEmpty else { return "switch - down-after: no failed master was checked for liveness" }
        let sorted = delays.sorted()
        func percentile(_ p: Int) -> Int64 { sorted[min(sorted.count - 1, sorted.count * p / 100)] }
        return "switch - down-after over \(sorted.count) failed masters (ms): min \(sorted[0]) median \(percentile(50)) "
            + "p90 \(percentile(90)) p99 \(percentile(99)) max \(sorted[sorted.count - 1])"
    }
}
