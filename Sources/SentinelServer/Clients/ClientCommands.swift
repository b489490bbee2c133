import NIOCore
import RESP
import SentinelCore

/// What one request produced: replies to send in order, and whether to close after them.
struct CommandResult {
    var replies: [RESPValue]
    var closeAfterReply = false
    /// Set when the answer waits for a config write (see SentinelCommandTarget): the connection runs
    /// none of the client's later commands until it comes, so pipelined replies stay in order.
    var pending: PendingResult?

    static func reply(_ value: RESPValue) -> CommandResult { CommandResult(replies: [value]) }
    static func error(_ text: String) -> CommandResult { .reply(.error(text)) }

    /// The result that `start` hands to its callback: returned as is when the callback ran before
    /// `start` returned (nothing was pending), otherwise a pending result.
    static func eventually(_ start: (@escaping (CommandResult) -> Void) -> Void) -> CommandResult {
        let pending = PendingResult()
        start { pending.fulfil($0) }
        return pending.takeReady() ?? CommandResult(replies: [], pending: pending)
    }
}

/// A result that may arrive after the command returned; on the event loop only.
final class PendingResult {
    private var result: CommandResult?
    private var waiter: ((CommandResult) -> Void)?

    func fulfil(_ value: CommandResult) {
        if let waiter {
            self.waiter = nil
            waiter(value)
        } else {
            result = value
        }
    }

    func takeReady() -> CommandResult? {
        defer { result = nil }
        return result
    }

    func whenReady(_ body: @escaping (CommandResult) -> Void) {
        if let result = takeReady() { body(result) } else { waiter = body }
    }
}

extension ClientServerContext {
    static let subscribedContextCommands: Set<String> = ["subscribe", "psubscribe", "unsubscribe", "punsubscribe", "ping", "quit", "reset"]

    /// Runs one request, in Redis's order of checks: lookup, arity, authentication, context.
    func execute(_ arguments: [String], client: ClientRecord) -> CommandResult {
        registry.totalCommands += 1
        let name = arguments[0].lowercased()
        if name == "quit" { return CommandResult(replies: [.simpleString("OK")], closeAfterReply: true) }
        guard let spec = CommandTable.lookup(name) else { return .error(CommandTable.unknownCommand(arguments)) }
        guard spec.accepts(arguments.count) else { return .error("ERR wrong number of arguments for '\(spec.name)' command") }
        var fullName = spec.name
        var checked = spec
        if !spec.subcommands.isEmpty {
            guard let sub = spec.subcommand(arguments[1]) else {
                return .error("ERR unknown subcommand '\(CommandTable.truncated(arguments[1]))'. Try \(spec.name.uppercased()) HELP.")
            }
            guard sub.accepts(arguments.count) else { return .error("ERR wrong number of arguments for '\(sub.name)' command") }
            fullName = sub.name
            checked = sub
        }
        if !client.authenticated && !spec.flags.contains("no_auth") {
            return .error("NOAUTH Authentication required.")
        }
        // AUTH and HELLO stay open to everyone, as in Redis; everything else needs the user's rules.
        if !spec.flags.contains("no_auth"), !(access.user(named: client.userName)?.mayRun(checked, topName: spec.name) ?? false) {
            return .error("NOPERM this user has no permissions to run the '\(fullName)' command")
        }
        if name == "subscribe" || name == "psubscribe",
            !(access.user(named: client.userName)?.mayUse(channels: Array(arguments.dropFirst()), asPatterns: name == "psubscribe") ?? false)
        {
            return .error("NOPERM this user has no permissions to access one of the channels used as arguments")
        }
        if client.isSubscribed && client.protocolVersion == .resp2 && !Self.subscribedContextCommands.contains(name) {
            return .error("ERR Can't execute '\(fullName)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
        }
        client.lastCommand = fullName
        return dispatch(name, arguments, client: client)
    }

    private func dispatch(_ name: String, _ arguments: [String], client: ClientRecord) -> CommandResult {
        switch name {
        case "ping": return connection.ping(arguments, client: client)
        // INFO and ROLE show the sentinel's state: answered in order with its work (see SentinelCommandTarget).
        case "info": return inOrder { .verbatim(self.infoText(Array(arguments.dropFirst()))) }
        case "role": return inOrder { .array([.bulk("sentinel"), .array((self.target.monitoredMasterNames()).map { .bulk($0) })]) }
        case "hello": return connection.hello(arguments, client: client)
        case "auth": return connection.auth(Array(arguments.dropFirst()), client: client)
        case "client": return clientSubcommands.run(arguments, client: client)
        case "command": return CommandIntrospection.run(arguments)
        case "acl": return aclCommands.run(arguments, client: client)
        case "shutdown": return shutdown(arguments)
        case "subscribe", "psubscribe", "unsubscribe", "punsubscribe": return pubsub.run(name, Array(arguments.dropFirst()), client: client)
        case "publish":
            guard arguments[1] == Sentinel.helloChannel else { return .error("ERR Only HELLO messages are accepted by Sentinel instances.") }
            target.receiveHello(arguments[2])
            return .reply(.integer(1))
        case "sentinel":
            return .eventually { done in target.executeSentinel(Array(arguments.dropFirst())) { done(.reply(RESPValue($0))) } }
        default:
            return .error(CommandTable.unknownCommand(arguments))
        }
    }

    private func inOrder(_ compute: @escaping () -> RESPValue) -> CommandResult {
        return .eventually { done in target.inOrder(compute) { done(.reply($0)) } }
    }

    private func shutdown(_ arguments: [String]) -> CommandResult {
        let options = Set(arguments.dropFirst().map { $0.lowercased() })
        guard options.isSubset(of: ["nosave", "save", "now", "force", "abort"]) else { return .error("ERR syntax error") }
        if options.contains("abort") { return .error("ERR No shutdown in progress.") }
        target.requestShutdown()
        return CommandResult(replies: [], closeAfterReply: true)
    }
}

extension RESPValue {
    /// A core reply as the wire carries it.
    init(_ reply: Reply) {
        switch reply {
        case .simple(let text): self = .simpleString(text)
        case .error(let text): self = .error(text)
        case .integer(let number): self = .integer(number)
        case .bulk(let text): self = .bulk(text)
        case .nullBulk: self = .null
        case .nullArray: self = .nullArray
        case .array(let items): self = .array(items.map(RESPValue.init))
        case .map(let items): self = .map(items.map(RESPValue.init))
        case .verbatim(let text): self = .verbatim(text)
        }
    }
}
