import NIOCore
import NIOPosix
import RESP

/// The RESP listener clients and peers connect to, on every `bind` address (all interfaces when
/// none is given, as Redis does), all on one event loop.
public final class ClientServer: @unchecked Sendable {
    public let context: ClientServerContext
    private let eventLoop: EventLoop
    private var channels: [Channel] = []

    public init(context: ClientServerContext, eventLoop: EventLoop) {
        self.context = context
        self.eventLoop = eventLoop
    }

    public var boundPorts: [Int] { channels.compactMap { $0.localAddress?.port } }

    public func start() -> EventLoopFuture<Void> {
        let addresses = context.configuration.bind.isEmpty ? ["0.0.0.0"] : context.configuration.bind
        let context = self.context
        let bootstrap = ServerBootstrap(group: eventLoop)
            .serverChannelOption(ChannelOptions.backlog, value: 511)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientConnectionHandler(context: context))
                }
            }
        let binds = addresses.map { address in
            bootstrap.bind(host: address.hasPrefix("-") ? String(address.dropFirst()) : address, port: context.configuration.port)
        }
        return EventLoopFuture.whenAllSucceed(binds, on: eventLoop).map { bound in
            self.channels = bound
        }
    }

    public func close() {
        for channel in channels { channel.close(promise: nil) }
        for client in context.registry.ordered { client.channel.close(promise: nil) }
        channels = []
    }
}
