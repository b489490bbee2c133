import Foundation

/// `vigil drill`: runs a plan `repeats` times, letting the deployment settle in between, prints a
/// timeline table for each, and writes all of them to one JSON file and one HTML report. Exits 0
/// when every drill recovered, 1 when one did not.
public struct DrillSession: Sendable {
    public var plan: DrillPlan
    public var repeats: Int
    public var pauseMilliseconds: Int
    public var reportDirectory: String

    public init(plan: DrillPlan, repeats: Int, pauseMilliseconds: Int, reportDirectory: String) {
        self.plan = plan
        self.repeats = repeats
        self.pauseMilliseconds = pauseMilliseconds
        self.reportDirectory = reportDirectory
    }

    /// Why this session cannot run as asked, before anything is touched.
    public var usageProblem: String? {
        plan.disruption == .crash && repeats > 1
            ? "a crashed master stays down, so a crash drill cannot repeat; repeat hang, sleep or switchover drills, or restart the master between runs"
            : nil
    }

    public func run() -> Int32 {
        var results: [DrillResult] = []
        var failures = 0
        let runner = DrillRunner(plan: plan) { line in Console.say("  " + line) }
        var expectedReplicas = 0
        for trial in 1...repeats {
            if trial > 1 {
                Console.say("waiting for the deployment to settle before drill \(trial)")
                if let problem = DrillSettling.wait(for: plan, replicas: expectedReplicas, pauseMilliseconds: pauseMilliseconds) {
                    Console.error("vigil drill: \(problem)\n")
                    failures += 1
                    break
                }
            } else {
                expectedReplicas = DrillSettling.streamingReplicas(for: plan)
            }
            Console.say("drill \(trial) of \(repeats): \(plan.disruption.rawValue) of \(plan.masterName)")
            do {
                let result = try runner.run()
                if result.problem != nil { failures += 1 }
                results.append(result)
                Console.say(DrillReport.text(result) + "\n")
            } catch {
                Console.error("vigil drill: \(error)\n")
                failures += 1
                break
            }
        }
        if results.count > 1 { Console.say(DrillReport.summary(results) + "\n") }
        if !results.isEmpty, let problem = Self.writeReports(results, to: reportDirectory) {
            return Console.fail("vigil drill: \(problem)\n", code: 1)
        }
        return failures == 0 ? 0 : 1
    }

    /// Writes `drill-<time>-<disruption>.json` and `.html`; returns what went wrong, if anything.
    public static func writeReports(_ results: [DrillResult], to directory: String) -> String? {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let base = URL(fileURLWithPath: directory).appendingPathComponent("drill-\(stamp)-\(results[0].disruption.rawValue)")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try DrillReport.json(results).write(to: base.appendingPathExtension("json"), options: .atomic)
            try Data(DrillReport.html(results).utf8).write(to: base.appendingPathExtension("html"), options: .atomic)
        } catch {
            return "cannot write the report in \(directory): \(error.localizedDescription)"
        }
        Console.say("JSON: \(base.appendingPathExtension("json").path)")
        Console.say("HTML report: \(base.appendingPathExtension("html").path)")
        return nil
    }

    /// For SIGINT/SIGTERM: Ctrl-C during a hang drill must not leave the master frozen.
    public static func interrupted() -> Never {
        PausedProcesses.shared.resumeAll()
        Console.error("vigil drill: interrupted; paused processes resumed\n")
        exit(130)
    }
}
