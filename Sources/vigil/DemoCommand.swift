import ArgumentParser
import SentinelServer
import VigilTools

/// `vigil demo [--report-dir DIR]`: exits 0 when both drills recovered, 1 otherwise, 64 on a usage error.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a crash drill and a coordinated switchover drill on a local deployment it starts and stops.",
        discussion: """
            Starts a master, two replicas (AOF, everysec) and three Vigils on loopback in a temporary \
            directory, runs both drills, prints their summaries and where the HTML reports are, and stops \
            everything it started, also on Ctrl-C. Needs redis-server on PATH.
            """)

    @Option(help: ArgumentHelp("Where the JSON and HTML reports go (default: a new directory under /tmp).", valueName: "dir"))
    var reportDir: String?

    func run() throws {
        let interrupts = SignalHandling { _ in Demo.interrupted() }
        let code = Demo.run(reportDirectory: reportDir)
        interrupts.cancel()
        if code != 0 { throw ExitCode(code) }
    }
}
