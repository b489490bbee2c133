import NIOCore
import RESP

/// What the server knows of one client connection, for CLIENT LIST/INFO and pub/sub.
final class ClientRecord {
    let id: Int64
    let channel: Channel
    let address: String
    let localAddress: String
    let connectedAt: NIODeadline
    var name = ""
    var libraryName = ""
    var libraryVersion = ""
    var lastCommand = "NULL"
    var protocolVersion: RESPProtocolVersion = .resp2
    var authenticated: Bool
    /// The ACL user this connection runs as (`default` until AUTH says otherwise).
    var userName = "default" {
        didSet { immediatePermissions = nil }
    }
    /// What the user's rules allow of the commands answered at once (ImmediateAnswers), and the
    /// `AccessControl.generation` they were read at.
    var immediatePermissions: ImmediatePermissions?
    var channels: Set<String> = []
    var patterns: Set<String> = []
    var closeRequested = false
    /// What the client sent: when it last sent anything, what the decoder holds, and the requests
    /// received while an earlier one waits for the disk.
    let received: ClientRequestReader
    let requests: RequestInput
    var heldRequestBytes = 0
    /// The last time it sent anything, or when it connected.
    var lastInteraction: NIODeadline { received.lastReceivedAt ?? connectedAt }
    /// Bytes received and not yet run (CLIENT LIST's `qbuf`).
    var queryBufferBytes: Int { requests.bufferedBytes + heldRequestBytes }
    /// The arguments of an unfinished request (CLIENT LIST's `argv-mem`).
    var unfinishedArgumentBytes: Int { requests.unfinishedArgumentBytes }
    /// Replies and messages not yet written to the socket (CLIENT LIST's `omem`): what a client
    /// that does not read makes us hold, as the socket's channel counts it (after TLS, when there
    /// is TLS). Asked of the channel when needed: a promise per write to count them cost every
    /// reply an allocation and a callback.
    var pendingOutputBytes: Int { (try? channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes)) ?? 0 }
    var outputWatch = OutputBufferWatch()
    var closingForOutputLimit = false

    init(id: Int64, channel: Channel, authenticated: Bool, received: ClientRequestReader, requests: RequestInput) {
        self.id = id
        self.channel = channel
        self.received = received
        self.requests = requests
        address = ClientRecord.describe(channel.remoteAddress)
        localAddress = ClientRecord.describe(channel.localAddress)
        connectedAt = .now()
        self.authenticated = authenticated
    }

    var isSubscribed: Bool { !channels.isEmpty || !patterns.isEmpty }

    static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// One CLIENT LIST line, Redis's fields in Redis's order.
    func listLine(now: NIODeadline) -> String {
        let age = (now - connectedAt).nanoseconds / 1_000_000_000
        let idle = (now - lastInteraction).nanoseconds / 1_000_000_000
        let flags = isSubscribed ? "P" : "N"
        return "id=\(id) addr=\(address) laddr=\(localAddress) fd=-1 name=\(name) age=\(age) idle=\(idle) flags=\(flags) db=0 "
            + "sub=\(channels.count) psub=\(patterns.count) ssub=0 multi=-1 qbuf=\(queryBufferBytes) qbuf-free=0 "
            + "argv-mem=\(unfinishedArgumentBytes) multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=\(pendingOutputBytes) tot-mem=0 "
            + "events=r cmd=\(lastCommand) user=\(userName) redir=-1 resp=\(protocolVersion.rawValue)"
            + (libraryName.isEmpty && libraryVersion.isEmpty ? "" : " lib-name=\(libraryName) lib-ver=\(libraryVersion)")
    }
}

/// All client connections and the counters INFO reports. Confined to the server's event loop.
final class ClientRegistry {
    /// Redis's maxclients: beyond this, new connections are refused with Redis's error.
    let maxClients: Int

    private(set) var clients: [Int64: ClientRecord] = [:]
    private var nextID: Int64 = 1
    var totalConnections = 0
    var totalCommands = 0
    var inputBytes = 0
    var outputBytes = 0
    var rejectedConnections = 0

    init(maxClients: Int) {
        self.maxClients = maxClients
    }

    func register(
        _ channel: Channel, authenticated: Bool, received: ClientRequestReader, requests: RequestInput
    ) -> ClientRecord? {
        totalConnections += 1
        guard clients.count < maxClients else {
            rejectedConnections += 1
            return nil
        }
        let record = ClientRecord(
            id: nextID, channel: channel, authenticated: authenticated, received: received, requests: requests)
        nextID += 1
        clients[record.id] = record
        return record
    }

    func remove(_ id: Int64) { clients[id] = nil }

    /// Closes a client (CLIENT KILL, a deleted user); the requester itself is closed after its reply.
    func close(_ victim: ClientRecord, requestedBy requester: ClientRecord) {
        if victim.id == requester.id {
            victim.closeRequested = true
        } else {
            victim.channel.close(promise: nil)
        }
    }

    var ordered: [ClientRecord] { clients.values.sorted { $0.id < $1.id } }
}
