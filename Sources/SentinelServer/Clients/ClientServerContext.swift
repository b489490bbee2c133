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
    weak var target: (any SentinelCommandTarget)?
    let registry: ClientRegistry
    let broker: PubSubBroker
    let access: AccessControl
    let runID: String
    let startedAt = Date()
    let startedUptime = NIODeadline.now()
    /// Writes one line to the daemon's log (the server keeps no log of its own).
    public var log: (LogLevel, String) -> Void = { _, _ in }

    public init(configuration: ClientServerConfiguration, target: any SentinelCommandTarget) {
        self.configuration = configuration
        self.target = target
        registry = ClientRegistry(maxClients: configuration.clientLimits.maxClients)
        broker = PubSubBroker(registry: registry)
        access = AccessControl(
            requirepass: configuration.requirepass, userLines: configuration.users,
            knownCommands: ClientServerContext.isKnownCommand, knownCategories: Set(ClientServerContext.aclCategories))
        var generator = SystemRandomNumberGenerator()
        runID = (0..<40).map { _ in String("0123456789abcdef".randomElement(using: &generator)!) }.joined()
        broker.afterWrite = { [weak self] client in self?.enforceOutputLimit(client) }
    }

    /// Publishes one event to subscribed clients (channel = event type).
    public func publish(channel: String, message: String) {
        broker.publish(channel: channel, message: message)
    }

    /// New connections must AUTH unless the default user is on and needs no password.
    var requiresPassword: Bool { !access.newConnectionsAreAuthenticated }

    /// `ping`, `sentinel`, `sentinel|failover`: names ACL rules may use.
    static func isKnownCommand(_ name: String) -> Bool {
        let parts = name.split(separator: "|", maxSplits: 1).map(String.init)
        guard let spec = CommandTable.lookup(parts[0]) else { return false }
        return parts.count == 1 || spec.subcommand(parts[1]) != nil
    }
}
