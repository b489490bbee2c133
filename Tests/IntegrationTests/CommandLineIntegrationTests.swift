import Foundation
import VigilTestSupport
import XCTest

/// The command line's shape: every subcommand's help, usage errors (exit 64, EX_USAGE), completion
/// scripts, and the daemon's redis-sentinel form left to the daemon.
final class CommandLineIntegrationTests: XCTestCase {
    /// Each subcommand with options its help must list.
    static let subcommands: [(name: String, options: [String])] = [
        ("lookup", ["<master-name>", "--sentinels", "--timeout", "--user", "--password"]),
        ("doctor", ["<master-name>", "--sentinels", "--max-rpo-seconds", "--max-rto-seconds", "--timeout", "--user", "--password",
                    "--node-user", "--node-password"]),
        ("drill", ["<master-name>", "--sentinels", "--fault", "--rate", "--warmup", "--settle", "--timeout", "--sleep-seconds",
                   "--value-bytes", "--reader", "--repeat", "--pause", "--report-dir", "--user", "--password", "--node-user",
                   "--node-password"]),
        ("demo", ["--report-dir"]),
        ("simulate", ["--seeds", "--from", "--coordinated", "--hostile", "--trace"]),
    ]

    func testEverySubcommandHelpListsItsOptions() throws {
        for (name, options) in Self.subcommands {
            let help = try runVigil([name, "--help"])
            XCTAssertEqual(help.status, 0, "\(name): \(help.errors)")
            XCTAssertTrue(help.output.contains("USAGE: vigil \(name)"), help.output)
            for option in options { XCTAssertTrue(help.output.contains(option), "vigil \(name) --help lacks \(option):\n\(help.output)") }
        }
    }

    func testRootHelpNamesTheDaemonFormAndEverySubcommand() throws {
        for flag in ["--help", "-h"] {
            let help = try runVigil([flag])
            XCTAssertEqual(help.status, 0, help.errors)
            XCTAssertTrue(help.output.contains("vigil /path/to/sentinel.conf [--<directive> <value> ...]"), help.output)
            for (name, _) in Self.subcommands { XCTAssertTrue(help.output.contains("  \(name) "), "\(name) missing:\n\(help.output)") }
        }
    }

    func testUsageErrorsExit64AndSayWhatWasWrong() throws {
        let unknown = try runVigil(["lookup", "mymaster", "--sentinels", "127.0.0.1:1", "--bogus", "1"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.errors.contains("Unknown option '--bogus'"), unknown.errors)
        XCTAssertTrue(unknown.errors.contains("Usage: vigil lookup"), unknown.errors)
        XCTAssertEqual(unknown.output, "")

        let missing = try runVigil(["drill", "mymaster", "--sentinels", "127.0.0.1:1"])
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.errors.contains("--fault"), missing.errors)

        let outOfRange = try runVigil(["doctor", "mymaster", "--sentinels", "127.0.0.1:1", "--timeout", "0"])
        XCTAssertEqual(outOfRange.status, 64)
        XCTAssertTrue(outOfRange.errors.contains("takes milliseconds from 1 to 60000"), outOfRange.errors)

        let noName = try runVigil(["doctor", "--sentinels", "127.0.0.1:1"])
        XCTAssertEqual(noName.status, 64)
        XCTAssertTrue(noName.errors.contains("<master-name>"), noName.errors)

        let simulate = try runVigil(["simulate", "--seeds", "many"])
        XCTAssertEqual(simulate.status, 64)
        XCTAssertTrue(simulate.errors.contains("'many'"), simulate.errors)
    }

    func testCompletionScriptsNameEverySubcommand() throws {
        for shell in ["bash", "zsh", "fish"] {
            let script = try runVigil(["--generate-completion-script", shell])
            XCTAssertEqual(script.status, 0, "\(shell): \(script.errors)")
            for (name, _) in Self.subcommands { XCTAssertTrue(script.output.contains(name), "\(shell) script lacks \(name)") }
        }
    }

    /// The daemon's words are redis-sentinel's: the parser never sees them.
    func testDaemonFormAndVersionStayAsRedisSentinelHasThem() throws {
        for flag in ["--version", "-v"] {
            let version = try runVigil([flag])
            XCTAssertEqual(version.status, 0)
            XCTAssertEqual(version.output, "Vigil sentinel v=0.1.0 (Redis Sentinel 7.0.15 protocol)\n")
        }
        let directiveOnly = try runVigil(["--port", "26380", "--sentinel"])
        XCTAssertEqual(directiveOnly.status, 1)
        XCTAssertTrue(directiveOnly.output.contains("Sentinel needs config file on disk to save state. Exiting..."), directiveOnly.output)
        XCTAssertEqual(directiveOnly.errors, "")
    }
}
