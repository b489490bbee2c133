import ArgumentParser
import Foundation
import SentinelCore
import VigilTools

/// The master and the sentinels that lookup, doctor and drill ask, and how to authenticate to them.
struct SentinelOptions: ParsableArguments {
    @Argument(help: "The master's name, as the sentinels monitor it.")
    var masterName: String

    @Option(
        help: ArgumentHelp("Sentinels to ask, comma-separated (may be given more than once).", valueName: "host:port[,host:port...]"),
        transform: { try Address.list($0) })
    var sentinels: [[Address]]

    @Option(help: ArgumentHelp("ACL user for AUTH to the sentinels.", valueName: "user"))
    var user: String?

    @Option(help: ArgumentHelp("Password for AUTH to the sentinels.", valueName: "password"))
    var password: String?

    var addresses: [Address] { sentinels.flatMap { $0 } }

    func validate() throws {
        guard !addresses.isEmpty else { throw ValidationError("--sentinels names no sentinel") }
    }
}

/// AUTH to the master and replicas themselves (doctor reads their settings, drill writes to them).
struct NodeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("ACL user for AUTH to the master and replicas.", valueName: "user"))
    var nodeUser: String?

    @Option(help: ArgumentHelp("Password for AUTH to the master and replicas.", valueName: "password"))
    var nodePassword: String?

    var credentials: SentinelQuery.Credentials? { nodePassword.map { .init(user: nodeUser, password: $0) } }
}

/// Parses a whole number within `range`, naming the range when it is not one.
func wholeNumber<Number: FixedWidthInteger & Sendable>(_ range: ClosedRange<Number>, _ unit: String = "a whole number")
    -> @Sendable (String) throws -> Number
{
    { text in
        guard let number = Number(text), range.contains(number) else {
            throw UsageProblem("takes \(unit) from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}

/// The password from the environment, for the commands that have always read it there.
func environmentPassword() -> String? {
    ProcessInfo.processInfo.environment["VIGIL_SENTINEL_PASSWORD"]
}
