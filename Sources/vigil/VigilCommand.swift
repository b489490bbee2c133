import ArgumentParser

/// The operators' subcommands and the help that names the daemon's form too. The daemon itself
/// (`vigil /path/sentinel.conf ...`) never goes through the parser: main.swift hands it its words
/// as they are, as redis-sentinel reads them.
struct VigilCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "A Redis-Sentinel-compatible failover daemon, and tools for its operators.",
        usage: """
            vigil /path/to/sentinel.conf [--<directive> <value> ...]
            vigil <subcommand> [<options>]
            vigil --version | -v
            """,
        discussion: """
            vigil /path/to/sentinel.conf runs the daemon exactly as redis-sentinel /path/to/sentinel.conf \
            would: the file must exist and be writable, and every --<directive> after it adds that config \
            line (--port 26380, --sentinel is accepted and ignored). Without arguments it says it needs \
            a config file and exits 1. SIGTERM and SIGINT stop it cleanly, with its config flushed. \
            vigil --version (or -v) prints the version line, as redis-sentinel does.
            """,
        subcommands: [LookupCommand.self, DoctorCommand.self, DrillCommand.self, DemoCommand.self, SimulateCommand.self])

    /// The words that go to the parser rather than the daemon, when they come first.
    static func handles(_ first: String) -> Bool {
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        return names.contains(first) || first == "-h" || first == "--help" || first == "--generate-completion-script"
            || first == "--experimental-dump-help" || first.hasPrefix("---")
    }
}
