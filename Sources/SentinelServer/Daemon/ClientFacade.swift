import NIOCore
import SentinelCore

/// Wires the client-facing server to the driver: SENTINEL commands go to the driver, events come
/// back to subscribers.
enum ClientFacade {
    static func make(
        driver: SentinelDriver, config: SentinelConfig, configPath: String, clientLimits: ClientLimits, fileUsers: [String: ACLUser]? = nil,
        log: RedisLogWriter, eventLoop: EventLoop
    ) -> ClientServer {
        var configuration = ClientServerConfiguration(
            bind: config.bind, port: config.port, requirepass: config.requirepass, users: config.users, configPath: configPath,
            clientLimits: clientLimits)
        configuration.protectedMode = config.protectedMode
        configuration.aclfile = config.aclfile
        configuration.fileUsers = fileUsers
        let context = ClientServerContext(configuration: configuration, target: driver)
        context.log = { level, message in log.log(level, message) }
        // The driver and the context hold each other for the daemon's life (see ClientServerContext.target).
        driver.publish = { channel, message in context.publish(channel: channel, message: message) }
        return ClientServer(context: context, eventLoop: eventLoop)
    }
}
