import NIOCore
import NIOPosix
import NIOSSL
import RESP
import SentinelCore

/// The connections the core asked for, keyed by the core's link ids. Confined to the driver's event loop.
final class RedisLinks {
    /// A connect that hangs longer than this is abandoned; the core retries on its own schedule.
    static let connectTimeout = TimeAmount.seconds(5)

    private struct Entry {
        var channel: Channel?
        var handler: RedisLinkHandler
        /// Commands encoded since the last flush, written to the channel as one buffer by
        /// `flushWrites`: one trip down the pipeline per flush rather than one per command, and no
        /// encoder handler allocating a buffer for each command.
        var pending: ByteBuffer?
    }

    private let eventLoop: EventLoop
    private let report: (Input) -> Void
    private var entries: [LinkID: Entry] = [:]
    /// With `tls-replication yes`, every link speaks TLS.
    private let tls: NIOSSLContext?
    /// Logs a failed TLS handshake as a warning; each address's reason once until it changes,
    /// so a peer that keeps presenting a bad certificate does not flood the log.
    var warn: (String) -> Void = { _ in }
    private var lastTLSFailure: [Address: String] = [:]

    private func warnTLSFailure(_ address: Address, _ reason: String) {
        guard lastTLSFailure[address] != reason else { return }
        lastTLSFailure[address] = reason
        warn("Link to \(address): \(reason)")
    }

    init(eventLoop: EventLoop, tls: NIOSSLContext? = nil, report: @escaping (Input) -> Void) {
        self.eventLoop = eventLoop
        self.tls = tls
        self.report = report
    }

    static let receiveBuffers = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 65_536)

    func connect(_ id: LinkID, to address: Address, kind: LinkKind) {
        let handler = RedisLinkHandler(linkID: id, kind: kind, report: report)
        handler.onTLSFailure = { [unowned self] reason in warnTLSFailure(address, reason) }
        entries[id] = Entry(channel: nil, handler: handler)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(Self.connectTimeout)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            // Each connection keeps a receive buffer of the size its reads adapt to; most replies
            // are a PONG or a hello (under 256 bytes), and NIO's default start of 2 KB, kept by
            // each of the thousand links of a few hundred masters, was a few MB of the daemon's memory.
            // An INFO reply grows the command link's buffer for a while, as before.
            .channelOption(ChannelOptions.recvAllocator, value: RedisLinks.receiveBuffers)
            .channelInitializer { [tls] channel in
                channel.eventLoop.makeCompletedFuture {
                    // Commands written before the handshake ends wait in the TLS handler; a failed
                    // handshake closes the link with the reason (an untrusted or expired certificate).
                    if let tls {
                        // The verification callback only watches BoringSSL's verdict, to name the
                        // reason of a refusal; it never changes it.
                        let tlsHandler = try NIOSSLClientHandler(
                            context: tls, serverHostname: nil, verificationCallback: { handler.tlsDiagnosis.note($0, $1) })
                        try channel.pipeline.syncOperations.addHandler(tlsHandler)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        // Unowned, not weak: the links live as long as the driver, which lives as long as the daemon,
        // and a weak reference would give them a side table that slows every retain and release.
        bootstrap.connect(host: address.host, port: address.port).whenComplete { [unowned self] result in
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

    /// Queues a command; it leaves with the next `flushWrites()`.
    func send(_ id: LinkID, _ arguments: [String], purpose: RequestPurpose) {
        guard let index = entries.index(forKey: id), let channel = entries.values[index].channel else { return }
        entries.values[index].handler.expect(purpose)
        if entries.values[index].pending == nil {
            entries.values[index].pending = channel.allocator.buffer(capacity: 64)
            unflushed.append(id)
        }
        RESPCommand.write(arguments, into: &entries.values[index].pending!)
    }

    /// Links with commands queued since the last flush, in the order of their first command.
    private var unflushed: [LinkID] = []

    /// Sends everything queued by `send`: one write per connection rather than one per command.
    func flushWrites() {
        guard !unflushed.isEmpty else { return }
        let ids = unflushed
        unflushed.removeAll(keepingCapacity: true)
        for id in ids { flushPending(id) }
    }

    private func flushPending(_ id: LinkID) {
        guard let index = entries.index(forKey: id), let buffer = entries.values[index].pending else { return }
        entries.values[index].pending = nil
        entries.values[index].channel?.writeAndFlush(buffer, promise: nil)
    }

    func disconnect(_ id: LinkID) {
        // Commands queued before the close still leave, as they did when each was flushed at once.
        flushPending(id)
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
