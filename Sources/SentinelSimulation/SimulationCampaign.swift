/// `vigil simulate`: runs many seeds and prints each failing seed with its parameters, so it can be
/// replayed with `--from <seed> --seeds 1`. Lines for standard output go to `output`, the hostile
/// run's seed announcements (for standard error) to `progress`. Returns the number of violations.
public enum SimulationCampaign {
    public static func run(
        first: UInt64, count: UInt64, coordinated: Bool, trace: Bool, output: (String) -> Void
    ) -> Int {
        var failures = 0
        var switchDelays: [Int64] = []
        var switchovers: [Int64] = []
        var writePauses: [Int64] = []
        let started = ContinuousClock.now
        for seed in first..<(first + count) {
            switch FailoverScenario.runChecked(seed: seed, coordinatedSwitchover: coordinated) {
            case .failure(let violation):
                failures += 1
                output("VIOLATION \(violation)")
                // Every event of the failing run, to follow what each sentinel did and when.
                if trace, let world = violation.world {
                    for entry in world.events { output("  sentinel \(entry.sentinel) @\(entry.at) \(entry.event)") }
                }
            case .success(let outcome):
                switchDelays += outcome.switchDelays
                if let milliseconds = outcome.switchoverMilliseconds { switchovers.append(milliseconds) }
                if let milliseconds = outcome.writePauseMilliseconds { writePauses.append(milliseconds) }
            }
            if (seed - first + 1) % 1_000 == 0 { output("\(seed - first + 1) seeds run, \(failures) violations") }
        }
        output("simulation: \(count) seeds from \(first), \(failures) violations, \(seconds(since: started)) s")
        output(switchDelaySummary(switchDelays))
        if coordinated {
            output(summary(switchovers, of: "switchovers in clean worlds, command to +switch-master"))
            output(summary(writePauses, of: "write pauses of those switchovers"))
        }
        return failures
    }

    /// Lying nodes, peers and operators: each seed is announced before it runs, because a trap ends
    /// the process and the last seed announced is then the one to replay.
    public static func runHostile(
        first: UInt64, count: UInt64, output: (String) -> Void, progress: (String) -> Void
    ) -> Int {
        var failures = 0
        var lies = 0
        let started = ContinuousClock.now
        for seed in first..<(first + count) {
            progress("hostile seed \(seed)")
            switch HostileScenario.run(seed: seed) {
            case .failure(let violation):
                failures += 1
                output("VIOLATION \(violation)")
            case .success(let outcome):
                lies += outcome.liesTold
            }
        }
        output("hostile simulation: \(count) seeds from \(first), \(lies) lies told, \(failures) violations, \(seconds(since: started)) s")
        return failures
    }

    /// The distribution of +switch-master minus the failure minus down-after, over every failed
    /// master the liveness check covered.
    public static func switchDelaySummary(_ delays: [Int64]) -> String {
        guard !delays.isEmpty else { return "switch - down-after: no failed master was checked for liveness" }
        return "switch - down-after over \(delays.count) failed masters (ms): " + distribution(delays)
    }

    static func summary(_ values: [Int64], of what: String) -> String {
        values.isEmpty ? "\(what): none" : "\(what) over \(values.count) runs (ms): " + distribution(values)
    }

    /// `min .. median .. p90 .. p99 .. max` of a non-empty list.
    static func distribution(_ values: [Int64]) -> String {
        let sorted = values.sorted()
        func percentile(_ p: Int) -> Int64 { sorted[min(sorted.count - 1, sorted.count * p / 100)] }
        return "min \(sorted[0]) median \(percentile(50)) p90 \(percentile(90)) p99 \(percentile(99)) max \(sorted[sorted.count - 1])"
    }

    /// Elapsed seconds with one decimal, as `%.1f` would print them.
    static func seconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        let tenths = (elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000 + 50) / 100
        return "\(tenths / 10).\(tenths % 10)"
    }
}
