import Foundation
import SentinelServer
import VigilTestSupport
import VigilTools
import SentinelSimulation

/// `vigil /path/sentinel.conf [--directive value ...]` runs the daemon exactly as redis-sentinel would.
/// Operator subcommands come first on the line: `vigil simulate ...`, `vigil lookup ...`.
let arguments = Array(CommandLine.arguments.dropFirst())

switch arguments.first {
case "simulate":
    exit(SimulateCommand.run(Array(arguments.dropFirst())))
case "lookup":
    exit(LookupCommand.run(Array(arguments.dropFirst())))
case "drill":
    exit(DrillCommand.run(Array(arguments.dropFirst())))
case "demo":
    exit(DemoCommand.run(Array(arguments.dropFirst())))
case "doctor":
    exit(DoctorCommand.run(Array(arguments.dropFirst())))
case "--version", "-v":
    print("Vigil sentinel v=0.1.0 (Redis Sentinel 7.0.15 protocol)")
    exit(0)
case "--help", "-h":
    print("""
        Usage: vigil /path/to/sentinel.conf [--directive value ...]
               vigil simulate [--seeds N] [--from FIRST-SEED] [--hostile]
               vigil lookup <master-name> --sentinels host:port,... [--timeout MS] [--user U] [--password P]
               vigil doctor <master-name> --sentinels host:port,... [--max-rpo-seconds S] [--max-rto-seconds S]
               vigil drill <master-name> --sentinels host:port,... --fault switchover|coordinated|crash|hang|sleep [...]
               vigil demo [--report-dir DIR]
        """)
    exit(0)
default:
    exit(VigilDaemon.run(arguments: arguments))
}
