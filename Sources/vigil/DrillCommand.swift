import ArgumentParser
import SentinelServer
import VigilTools

/// `vigil drill <master> --sentinels host:port,... --fault KIND`: exits 0 when every drill
/// recovered, 1 when one did not, 64 on a usage error.
struct DrillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Disrupt a live deployment's master under load and measure the failover's RTO and RPO.",
        discussion: """
            Runs drills against a live deployment and prints, for each, a timeline table; writes all of \
            them to one JSON file and one HTML report in the report directory. crash and hang signal \
            the master's process, so they need a master on this host. The password defaults to \
            $VIGIL_SENTINEL_PASSWORD.
            """)
    private static let defaults = DrillPlan(masterName: "", sentinels: [], disruption: .switchover)
    private static let faults = DrillPlan.Disruption.allCases.map(\.rawValue)

    @OptionGroup var target: SentinelOptions

    @Option(
        help: ArgumentHelp("The disruption: \(DrillCommand.faults.joined(separator: ", ")).", valueName: DrillCommand.faults.joined(separator: "|")),
        completion: .list(DrillCommand.faults), transform: disruption)
    var fault: DrillPlan.Disruption

    @Option(help: ArgumentHelp("The canary client's writes per second (1 to 10000; default \(DrillCommand.defaults.writesPerSecond)).", valueName: "writes-per-second"),
            transform: wholeNumber(1...10_000))
    var rate: Int = DrillCommand.defaults.writesPerSecond

    @Option(help: ArgumentHelp("Writes before the disruption, in milliseconds (0 to 600000; default \(DrillCommand.defaults.warmupMilliseconds)).", valueName: "ms"),
            transform: wholeNumber(0...600_000))
    var warmup: Int = DrillCommand.defaults.warmupMilliseconds

    @Option(help: ArgumentHelp("Writes after recovery, in milliseconds (0 to 600000; default \(DrillCommand.defaults.settleMilliseconds)).", valueName: "ms"),
            transform: wholeNumber(0...600_000))
    var settle: Int = DrillCommand.defaults.settleMilliseconds

    @Option(help: ArgumentHelp("Give up waiting for a new master after this long, in milliseconds (100 to 3600000; default \(DrillCommand.defaults.timeoutMilliseconds)).", valueName: "ms"),
            transform: wholeNumber(100...3_600_000))
    var timeout: Int = DrillCommand.defaults.timeoutMilliseconds

    @Option(help: ArgumentHelp("How long DEBUG SLEEP holds the master, for --fault sleep (1 to 3600; default \(DrillCommand.defaults.sleepSeconds)).", valueName: "seconds"),
            transform: wholeNumber(1...3_600))
    var sleepSeconds: Int = DrillCommand.defaults.sleepSeconds

    @Option(help: ArgumentHelp("Bytes of padding after the number in each written value (0 to 1048576; default \(DrillCommand.defaults.valueBytes)).", valueName: "n"),
            transform: wholeNumber(0...1_048_576))
    var valueBytes: Int = DrillCommand.defaults.valueBytes

    @Flag(help: "Add a reader that reads the latest acknowledged key at the same rate (a read-your-writes check).")
    var reader = false

    @Option(name: .customLong("repeat"), help: ArgumentHelp("Run the drill this many times (1 to 1000, default 1; not for crash).", valueName: "n"),
            transform: wholeNumber(1...1_000))
    var repeats: Int = 1

    @Option(help: ArgumentHelp("Wait at least this long between repeated drills, in milliseconds (0 to 600000; default 2000).", valueName: "ms"),
            transform: wholeNumber(0...600_000))
    var pause: Int = 2_000

    @Option(help: ArgumentHelp("Where the JSON and HTML reports go.", valueName: "dir"))
    var reportDir = "."

    @OptionGroup var nodes: NodeOptions

    var session: DrillSession {
        var plan = DrillPlan(masterName: target.masterName, sentinels: target.addresses, disruption: fault)
        plan.writesPerSecond = rate
        plan.warmupMilliseconds = warmup
        plan.settleMilliseconds = settle
        plan.timeoutMilliseconds = timeout
        plan.sleepSeconds = sleepSeconds
        plan.valueBytes = valueBytes
        plan.withReader = reader
        if let password = target.password ?? environmentPassword(), !password.isEmpty {
            plan.sentinelCredentials = .init(user: target.user, password: password)
        }
        plan.nodeCredentials = nodes.credentials
        return DrillSession(plan: plan, repeats: repeats, pauseMilliseconds: pause, reportDirectory: reportDir)
    }

    func validate() throws {
        if let problem = session.usageProblem { throw ValidationError(problem) }
    }

    func run() throws {
        let interrupts = SignalHandling { _ in DrillSession.interrupted() }
        let code = session.run()
        interrupts.cancel()
        if code != 0 { throw ExitCode(code) }
    }
}

@Sendable private func disruption(_ text: String) throws -> DrillPlan.Disruption {
    guard let kind = DrillPlan.Disruption(rawValue: text) else {
        throw UsageProblem("--fault is one of \(DrillPlan.Disruption.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return kind
}
