import Foundation
import SentinelCore
import VigilTestSupport
import VigilTools

/// `vigil drill <master> --sentinels host:port,... --fault KIND [...]`: runs drills against a live
/// deployment and prints, for each, a timeline table; writes all of them to one JSON file and one
/// HTML report. Exits 0 when every drill recovered, 1 when one did not, 2 on a usage error.
enum DrillCommand {
    static let usage = """
        usage: vigil drill <master-name> --sentinels host:port[,host:port...] --fault switchover|coordinated|crash|hang|sleep
                 [--rate WRITES-PER-SECOND] [--warmup MS] [--settle MS] [--timeout MS] [--sleep-seconds S]
                 [--value-bytes N] [--reader] [--repeat N] [--pause MS] [--report-dir DIR]
                 [--user U] [--password P] [--node-user U] [--node-password P]

        """

    static func run(_ words: [String]) -> Int32 {
        let parsed: (plan: DrillPlan, repeats: Int, pauseMilliseconds: Int, reportDirectory: String)
        switch parse(words) {
        case .success(let value): parsed = value
        case .failure(let problem): return fail(problem.description, code: 2)
        }
        installInterruptHandler()
        var results: [DrillResult] = []
        var failures = 0
        let runner = DrillRunner(plan: parsed.plan) { line in say("  " + line) }
        var expectedReplicas = 0
        for trial in 1...parsed.repeats {
            if trial > 1 {
                say("waiting for the deployment to settle before drill \(trial)")
                if let problem = DrillSettling.wait(for: parsed.plan, replicas: expectedReplicas, pauseMilliseconds: parsed.pauseMilliseconds) {
                    FileHandle.standardError.write(Data("vigil drill: \(problem)\n".utf8))
                    failures += 1
                    break
                }
            } else {
                expectedReplicas = DrillSettling.streamingReplicas(for: parsed.plan)
            }
            say("drill \(trial) of \(parsed.repeats): \(parsed.plan.disruption.rawValue) of \(parsed.plan.masterName)")
            do {
                let result = try runner.run()
                if result.problem != nil { failures += 1 }
                results.append(result)
                say(DrillReport.text(result) + "\n")
            } catch {
                FileHandle.standardError.write(Data("vigil drill: \(error)\n".utf8))
                failures += 1
                break
            }
        }
        if results.count > 1 { say(DrillReport.summary(results) + "\n") }
        if !results.isEmpty, let problem = write(results, to: parsed.reportDirectory) {
            return fail("vigil drill: \(problem)\n", code: 1)
        }
        return failures == 0 ? 0 : 1
    }

    /// Writes `drill-<time>.json` and `.html`; returns what went wrong, if anything.
    static func write(_ results: [DrillResult], to directory: String) -> String? {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let base = URL(fileURLWithPath: directory).appendingPathComponent("drill-\(stamp)-\(results[0].disruption.rawValue)")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try DrillReport.json(results).write(to: base.appendingPathExtension("json"), options: .atomic)
            try Data(DrillReport.html(results).utf8).write(to: base.appendingPathExtension("html"), options: .atomic)
        } catch {
            return "cannot write the report in \(directory): \(error.localizedDescription)"
        }
        say("JSON: \(base.appendingPathExtension("json").path)")
        say("HTML report: \(base.appendingPathExtension("html").path)")
        return nil
    }

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ words: [String]) -> Result<(plan: DrillPlan, repeats: Int, pauseMilliseconds: Int, reportDirectory: String), UsageError> {
        guard let name = words.first, !name.hasPrefix("--") else { return .failure(UsageError(description: usage)) }
        var sentinels: [Address] = []
        var disruption: DrillPlan.Disruption?
        var numbers: [String: Int] = [:]
        var texts: [String: String] = ["--password": ProcessInfo.processInfo.environment["VIGIL_SENTINEL_PASSWORD"] ?? ""]
        var reader = false
        var index = 1
        let numeric: [String: ClosedRange<Int>] = [
            "--rate": 1...10_000, "--warmup": 0...600_000, "--settle": 0...600_000, "--timeout": 100...3_600_000,
            "--sleep-seconds": 1...3_600, "--value-bytes": 0...1_048_576, "--repeat": 1...1_000, "--pause": 0...600_000,
        ]
        while index < words.count {
            let option = words[index]
            if option == "--reader" {
                reader = true
                index += 1
                continue
            }
            guard index + 1 < words.count else { return .failure(UsageError(description: "vigil drill: \(option) needs a value\n" + usage)) }
            let value = words[index + 1]
            index += 2
            switch option {
            case "--sentinels":
                for item in value.split(separator: ",") {
                    guard let address = LookupCommand.parseAddress(String(item)) else {
                        return .failure(UsageError(description: "vigil drill: '\(item)' is not host:port\n"))
                    }
                    sentinels.append(address)
                }
            case "--fault":
                guard let kind = DrillPlan.Disruption(rawValue: value) else {
                    return .failure(UsageError(description: "vigil drill: --fault is one of \(DrillPlan.Disruption.allCases.map(\.rawValue).joined(separator: ", "))\n"))
                }
                disruption = kind
            case "--report-dir", "--user", "--password", "--node-user", "--node-password":
                texts[option] = value
            default:
                guard let range = numeric[option] else { return .failure(UsageError(description: "vigil drill: unknown option \(option)\n" + usage)) }
                guard let number = Int(value), range.contains(number) else {
                    return .failure(UsageError(description: "vigil drill: \(option) takes a whole number from \(range.lowerBound) to \(range.upperBound)\n"))
                }
                numbers[option] = number
            }
        }
        guard !sentinels.isEmpty else { return .failure(UsageError(description: "vigil drill: --sentinels is required\n" + usage)) }
        guard let disruption else { return .failure(UsageError(description: "vigil drill: --fault is required\n" + usage)) }
        let repeats = numbers["--repeat"] ?? 1
        if disruption == .crash && repeats > 1 {
            return .failure(UsageError(description: "vigil drill: a crashed master stays down, so a crash drill cannot repeat; repeat hang, sleep or switchover drills, or restart the master between runs\n"))
        }
        var plan = DrillPlan(masterName: name, sentinels: sentinels, disruption: disruption)
        plan.writesPerSecond = numbers["--rate"] ?? plan.writesPerSecond
        plan.warmupMilliseconds = numbers["--warmup"] ?? plan.warmupMilliseconds
        plan.settleMilliseconds = numbers["--settle"] ?? plan.settleMilliseconds
        plan.timeoutMilliseconds = numbers["--timeout"] ?? plan.timeoutMilliseconds
        plan.sleepSeconds = numbers["--sleep-seconds"] ?? plan.sleepSeconds
        plan.valueBytes = numbers["--value-bytes"] ?? plan.valueBytes
        plan.withReader = reader
        if let password = texts["--password"], !password.isEmpty {
            plan.sentinelCredentials = .init(user: texts["--user"], password: password)
        }
        if let password = texts["--node-password"] { plan.nodeCredentials = .init(user: texts["--node-user"], password: password) }
        return .success((plan, repeats, numbers["--pause"] ?? 2_000, texts["--report-dir"] ?? "."))
    }

    /// Ctrl-C during a hang drill must not leave the master frozen.
    static func installInterruptHandler() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                PausedProcesses.shared.resumeAll()
                FileHandle.standardError.write(Data("vigil drill: interrupted; paused processes resumed\n".utf8))
                exit(130)
            }
            source.resume()
            InterruptSources.keep(source)
        }
    }

    static func fail(_ message: String, code: Int32) -> Int32 {
        FileHandle.standardError.write(Data(message.utf8))
        return code
    }
}

/// Signal sources live as long as the process; this keeps them referenced.
final class InterruptSources: @unchecked Sendable {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    static func keep(_ source: DispatchSourceSignal) { lock.withLock { sources.append(source) } }
}

/// Progress is for people watching, also through a pipe (tee, CI logs): each line goes out at once.
func say(_ text: String) {
    print(text)
    fflush(nil)
}
