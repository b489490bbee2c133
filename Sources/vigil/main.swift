import Foundation
import SentinelServer

/// `vigil /path/sentinel.conf [--directive value ...]` runs the daemon exactly as redis-sentinel would;
/// `vigil --version` prints its version line. Operator subcommands (`vigil lookup ...`), help and
/// completion scripts go through swift-argument-parser (usage errors exit 64).
let arguments = Array(CommandLine.arguments.dropFirst())

if let first = arguments.first, VigilCommand.handles(first) {
    VigilCommand.main(arguments)
} else if arguments.first == "--version" || arguments.first == "-v" {
    print(VigilDaemon.versionLine)
    exit(0)
} else {
    exit(VigilDaemon.run(arguments: arguments))
}
