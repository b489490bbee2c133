import Foundation
import NIOCore
import RESP
import SentinelCore

/// Settings of the client-facing listener.
public struct ClientServerConfiguration: Sendable {
    public var bind: [String]
    public var port: Int
    public var requirepass: String?
    /// The config's `user` lines (name, then rules).
    public var users: [[String]]
    public var limits: RESPRequestLimits
    public var clientLimits: ClientLimits
    public var configPath: String
    /// `protected-mode yes`: clients off the loopback interface are refused while the default user needs no password.
    public var protectedMode = false
    /// `aclfile`: ACL LOAD and ACL SAVE use it, and users are not written to the config file.
    public var aclfile: String?
    /// The aclfile's users as loaded at start-up; they replace `requirepass` and `users`.
    var fileUsers: [String: ACLUser]?

    public init(
        bind: [String], port: Int, requirepass: String?, users: [[String]] = [], configPath: String, limits: RESPRequestLimits = .redisDefaults,
        clientLimits: ClientLimits = ClientLimits()
    ) {
        self.bind = bind
        self.port = port
        self.requirepass = requirepass
        self.users = users
        self.configPath = configPath
        self.limits = limits
        self.clientLimits = clientLimits
    }
}

/// What every client connection shares: the sentinel, the registry, pub/sub, identity and counters.
/// Confined to the one event loop that runs the server and the sentinel.
public final class ClientServerContext: @unchecked Sendable {
    let configuration: ClientServerConfiguration
    /// Held strongly: the driver and the context live as long as the daemon. A weak reference gave
    /// the driver a side table, which made every retain and release of it (each input, each tick's
    /// closures, each lookup) take the runtime's slow path.
    let target: any SentinelCommandTarget
    let registry: ClientRegistry
    let broker: PubSubBroker
    let access: AccessControl
    let runID: String
    // The command families the dispatcher routes to (ClientCommands.swift).
    let connection: ConnectionCommands
    let clientSubcommands: ClientSubcommands
    let pubsub: PubSubCommands
    let aclCommands: ACLCommands
    let startedAt = Date()
    let startedUptime = NIODeadline.now()
    /// PING and lookups in their plain case are answered by ImmediateAnswers; off, every request
    /// takes the general path (the tests compare the two).
    var answersImmediately = true
    /// The lookup reply last written, encoded (ImmediateAnswers).
    var addressReplies = EncodedAddressReply()
    /// Writes one line to the daemon's log (the server keeps no log of its own).
    public var log: (LogLevel, String) -> Void = { _, _ in }

    public init(configuration: ClientServerConfiguration, target: any SentinelCommandTarget) {
        self.configuration = configuration
        self.target = target
        registry = ClientRegistry(maxClients: configuration.clientLimits.maxClients)
        broker = PubSubBroker(registry: registry)
        if let fileUsers = configuration.fileUsers {
            access = AccessControl(fileUsers: fileUsers)
        } else {
            access = AccessControl(
                requirepass: configuration.requirepass, userLines: configuration.users,
                knownCommands: CommandTable.isKnownCommand, knownCategories: Set(CommandTable.aclCategories))
        }
        connection = ConnectionCommands(access: access)
        clientSubcommands = ClientSubcommands(registry: registry, access: access)
        pubsub = PubSubCommands(broker: broker)
        aclCommands = ACLCommands(access: access, registry: registry, configuration: configuration, target: target)
        var generator = SystemRandomNumberGenerator()
        runID = (0..<40).map { _ in String("0123456789abcdef".randomElement(using: &generator)!) }.joined()
        broker.afterWrite = { [unowned self] client in self.enforceOutputLimit(client) }
    }

    /// Publishes one event to subscribed clients (channel = event type).
    public func publish(channel: String, message: String) {
        broker.publish(channel: channel, message: message)
    }

    /// New connections must AUTH unless the default user is on and needs no password.
    var requiresPassword: Bool { !access.newConnectionsAreAuthenticated }
}
