import NIOCore
import SentinelCore

/// Wires the client-facing server to the driver: SENTINEL commands go to the driver, events come
/// back to subscribers.
enum ClientFacade {
    static func make(
        driver: SentinelDriver, config: SentinelConfig, configPath: String, clientLimits: ClientLimits, log: RedisLogWriter, eventLoop: EventLoop
    ) -> ClientServer {
        let configuration = ClientServerConfiguration(
            bind: config.bind, port: config.port, requirepass: config.requirepass, users: config.users, configPath: configPath,
            clientLimits: clientLimits)
        let context = ClientServerContext(configuration: configuration, target: driver)
        context.log = { level, message in log.log(level, message) }
        driver.publish = { [weak context] channel, message in context?.publish(channel: channel, message: message) }
        return ClientServer(context: context, eventLoop: eventLoop)
    }
}
