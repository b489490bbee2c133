import ArgumentParser
import VigilTools

/// `vigil doctor <master> --sentinels host:port,...`: exits 1 when a bound given is not met or the
/// deployment cannot fail over, 3 when the settings cannot be read, 64 on a usage error.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Explain what a failover can lose (RPO) and how long clients wait (RTO), from the live settings.",
        discussion: """
            Reads the settings of the master, its replicas and the sentinels, and prints each finding with \
            the setting that would improve it. Exits 1 when a bound given is not met or no failover is \
            possible (so it can gate a deploy), 3 when the settings cannot be read.
            """)

    @OptionGroup var target: SentinelOptions
    @OptionGroup var nodes: NodeOptions

    @Option(help: ArgumentHelp("Fail (exit 1) when a failover can lose more than this many seconds of writes.", valueName: "seconds"),
            transform: seconds)
    var maxRpoSeconds: Double?

    @Option(help: ArgumentHelp("Fail (exit 1) when clients can wait longer than this for a new master.", valueName: "seconds"),
            transform: seconds)
    var maxRtoSeconds: Double?

    @Option(help: ArgumentHelp("How long to wait for each reply, in milliseconds (1 to 60000; default 2000).", valueName: "ms"),
            transform: wholeNumber(1...60_000, "milliseconds"))
    var timeout: Int64 = 2_000

    func run() throws {
        let code = DoctorTool.run(
            masterName: target.masterName, sentinels: target.addresses,
            bounds: .init(maxRPOSeconds: maxRpoSeconds, maxRTOSeconds: maxRtoSeconds), timeoutMilliseconds: timeout,
            sentinelCredentials: target.password.map { .init(user: target.user, password: $0) }, nodeCredentials: nodes.credentials)
        if code != 0 { throw ExitCode(code) }
    }
}

@Sendable private func seconds(_ text: String) throws -> Double {
    guard let seconds = Double(text), seconds >= 0 else { throw UsageProblem("takes a number of seconds") }
    return seconds
}
