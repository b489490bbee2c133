import RESP
import SentinelCore

/// Asks one sentinel where a master is, the way a client would, for `vigil lookup`: an optional
/// AUTH, then `SENTINEL GET-MASTER-ADDR-BY-NAME` and `SENTINEL MASTER` (for the config epoch),
/// pipelined on one connection with one deadline for all the replies.
public enum SentinelQuery {
    public struct Credentials: Sendable {
        public var user: String?
        public var password: String
        public init(user: String?, password: String) {
            self.user = user
            self.password = password
        }

        /// `AUTH [user] password`, as Redis and Sentinel take it.
        public var authCommand: [String] { ["AUTH"] + (user.map { [$0] } ?? []) + [password] }
    }

    public static func askMaster(
        named name: String, at sentinel: Address, credentials: Credentials?, timeoutMilliseconds: Int
    ) -> MasterLookup.Outcome {
        var commands: [[String]] = []
        if let credentials {
            commands.append(credentials.authCommand)
        }
        commands.append(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", name])
        commands.append(["SENTINEL", "MASTER", name])
        let replies: [RESPValue]
        do {
            replies = try BlockingRedisConnection.exchange(commands, with: sentinel, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            return .failed("\(error)")
        }
        if credentials != nil, case .error(let message) = replies[0] { return .failed("AUTH refused: \(message)") }
        let address = replies[replies.count - 2]
        let master = replies[replies.count - 1]
        if case .error(let message) = master {
            if message.hasPrefix("ERR No such master") { return .unknownMaster }
            return .failed(message)
        }
        guard let masterAddress = SentinelReplies.masterAddress(address) else {
            if case .error(let message) = address { return .failed(message) }
            if address == .nullArray || address == .null { return .unknownMaster }
            return .failed("unexpected reply to GET-MASTER-ADDR-BY-NAME")
        }
        guard let fields = SentinelReplies.fields(master) else { return .failed("unexpected reply to SENTINEL MASTER") }
        guard let epoch = fields["config-epoch"].flatMap(Int64.init) else { return .failed("SENTINEL MASTER gave no config-epoch") }
        return .master(masterAddress, configEpoch: epoch)
    }
}
