import ArgumentParser
import VigilTools

/// `vigil lookup <master> --sentinels host:port,...`: exits 0 with `host port` on standard output,
/// 1 (with why on standard error) when the sentinels disagree or too few answer, 64 on a usage error.
struct LookupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Print the master's address (host port) that a majority of the sentinels agree on.",
        discussion: """
            Asks every sentinel, one at a time, and prints the address only when a majority agrees and \
            none reports a newer configuration; otherwise says why on standard error and exits 1. \
            The password defaults to $VIGIL_SENTINEL_PASSWORD.
            """)

    @OptionGroup var target: SentinelOptions

    @Option(help: ArgumentHelp("How long to wait for each sentinel, in milliseconds (1 to 60000; default 1000).", valueName: "ms"),
            transform: wholeNumber(1...60_000, "milliseconds"))
    var timeout: Int64 = 1_000

    func run() throws {
        let password = target.password ?? environmentPassword()
        let code = LookupTool.run(
            masterName: target.masterName, sentinels: target.addresses, timeoutMilliseconds: timeout,
            credentials: password.map { .init(user: target.user, password: $0) })
        if code != 0 { throw ExitCode(code) }
    }
}
