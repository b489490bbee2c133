import NIOCore
import NIOPosix
import RESP
import SentinelCore

/// The connections the core asked for, keyed by the core's link ids. Confined to the driver's event loop.
final class RedisLinks {
    /// A connect that hangs longer than this is abandoned; the core retries on its own schedule.
    static let connectTimeout = TimeAmount.seconds(5)

    private struct Entry {
        var channel: Channel?
        var handler: RedisLinkHandler
    }

    private let eventLoop: EventLoop
    private let report: (Input) -> Void
    private var entries: [LinkID: Entry] = [:]

    init(eventLoop: EventLoop, report: @escaping (Input) -> Void) {
        self.eventLoop = eventLoop
        self.report = report
    }

    func connect(_ id: LinkID, to address: Address, kind: LinkKind) {
        let handler = RedisLinkHandler(linkID: id, kind: kind, report: report)
        entries[id] = Entry(channel: nil, handler: handler)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(Self.connectTimeout)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(HiredisReplyDecoder()),
                        MessageToByteHandler(HiredisCommandEncoder()),
                        handler,
                    ])
                }
            }
        bootstrap.connect(host: address.host, port: address.port).whenComplete { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let channel):
                guard self.entries[id] != nil else {
                    channel.close(promise: nil)
                    return
                }
                self.entries[id]?.channel = channel
                let localHost = channel.localAddress?.ipAddress ?? "127.0.0.1"
                self.report(.linkConnected(id, localHost: localHost))
            case .failure(let error):
                guard self.entries.removeValue(forKey: id) != nil else { return }
                handler.reportClosed("\(error)")
            }
        }
    }

    func send(_ id: LinkID, _ arguments: [String], purpose: RequestPurpose) {
        guard let entry = entries[id], let channel = entry.channel else { return }
        entry.handler.expect(purpose)
        channel.writeAndFlush(arguments, promise: nil)
    }

    func disconnect(_ id: LinkID) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        entry.channel?.close(promise: nil)
    }

    /// The core learns of a dropped connection through the handler; forget it here too.
    func forget(_ id: LinkID) { entries[id] = nil }

    func closeAll() {
        for entry in entries.values { entry.channel?.close(promise: nil) }
        entries.removeAll()
    }
}
