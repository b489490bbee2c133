import NIOCore
import NIOPosix
import NIOSSL
import RESP

/// The RESP listener clients and peers connect to, on every `bind` address (all interfaces when
/// none is given, as Redis does), all on one event loop.
public final class ClientServer: @unchecked Sendable {
    public let context: ClientServerContext
    private let eventLoop: EventLoop
    private var channels: [Channel] = []
    private var idleCheck: RepeatedTask?

    public init(context: ClientServerContext, eventLoop: EventLoop) {
        self.context = context
        self.eventLoop = eventLoop
    }

    public var boundPorts: [Int] { channels.compactMap { $0.localAddress?.port } }

    /// Listens on `port` (unless it is 0, as Redis allows when a TLS port serves instead) and on
    /// `tlsPort` with `tls` when given.
    public func start(tls: NIOSSLContext? = nil, tlsPort: Int = 0) -> EventLoopFuture<Void> {
        let addresses = context.configuration.bind.isEmpty ? ["0.0.0.0"] : context.configuration.bind
        let context = self.context
        func bootstrap(tls: NIOSSLContext?) -> ServerBootstrap {
            ServerBootstrap(group: eventLoop)
                .serverChannelOption(ChannelOptions.backlog, value: 511)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                        try ClientServer.addClientHandlers(to: channel.pipeline.syncOperations, context: context)
                    }
                }
        }
        var listeners: [(ServerBootstrap, Int)] = []
        if context.configuration.port != 0 { listeners.append((bootstrap(tls: nil), context.configuration.port)) }
        if let tls, tlsPort != 0 { listeners.append((bootstrap(tls: tls), tlsPort)) }
        let binds = listeners.flatMap { listener, port in
            addresses.map { address in listener.bind(host: address.hasPrefix("-") ? String(address.dropFirst()) : address, port: port) }
        }
        return EventLoopFuture.whenAllSucceed(binds, on: eventLoop).map { bound in
            self.channels = bound
            let interval = ClientLimits.idleCheckInterval
            self.idleCheck = self.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                context.closeIdleClients(now: .now())
            }
        }
    }

    /// A client connection's pipeline after TLS: one handler reads the bytes into requests and runs them.
    static func addClientHandlers(to pipeline: ChannelPipeline.SynchronousOperations, context: ClientServerContext) throws {
        let requests = RequestInput()
        let received = ClientRequestReader(
            registry: context.registry, decoder: RESPRequestDecoder(limits: context.configuration.limits, input: requests))
        try pipeline.addHandler(ClientConnectionHandler(context: context, received: received, requests: requests))
    }

    public func close() {
        idleCheck?.cancel()
        idleCheck = nil
        for channel in channels { channel.close(promise: nil) }
        for client in context.registry.ordered { client.channel.close(promise: nil) }
        channels = []
    }
}
