import ArgumentParser
import Foundation
import SentinelSimulation

/// `vigil simulate`: exits 0 when no seed broke an invariant, 1 when one did, 64 on a usage error.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run seeded failover simulations and print every violation with its seed.",
        discussion: """
            Prints the distribution of +switch-master minus the failure minus down-after over the failed \
            masters checked for liveness. A failing seed replays exactly with --from <seed> --seeds 1.
            """)

    @Option(help: ArgumentHelp("How many seeds to run.", valueName: "n"))
    var seeds: UInt64 = 1_000

    @Option(help: ArgumentHelp("The first seed.", valueName: "first-seed"))
    var from: UInt64 = 1

    @Flag(help: "Switch the master over on purpose (SENTINEL FAILOVER ... COORDINATED) while the same faults hit.")
    var coordinated = false

    @Flag(help: "Lying nodes, peers and operators instead (no trap, configs that load, bounded memory).")
    var hostile = false

    @Flag(help: "Print every event of a failing run.")
    var trace = false

    func run() throws {
        let failures = hostile
            ? SimulationCampaign.runHostile(
                first: from, count: seeds, output: { print($0) },
                progress: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
            : SimulationCampaign.run(first: from, count: seeds, coordinated: coordinated, trace: trace, output: { print($0) })
        if failures != 0 { throw ExitCode(1) }
    }
}
