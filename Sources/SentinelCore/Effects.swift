/// Identifies one connection the shell holds for the core. The core allocates them; the shell
/// reports what happens to them. An id is never reused, so a late report about a closed link is ignored.
public struct LinkID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    public static func < (lhs: LinkID, rhs: LinkID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "link#\(rawValue)" }
}

/// A command connection carries requests and replies; a pub/sub connection carries hello messages.
public enum LinkKind: Hashable, Sendable {
    case command
    case pubsub
}

/// Why a request was sent, echoed back with its reply. Replies on one link arrive in request order,
/// so the shell keeps a FIFO of purposes per link.
public enum RequestPurpose: Hashable, Sendable {
    case auth
    case setName
    case ping
    case info
    case subscribe
    /// The hello about `master`. A link to a peer sentinel is shared by every master that knows the
    /// peer, so the reply is routed by the master the request was for.
    case publishHello(master: String)
    case scriptKill
    /// `SENTINEL IS-MASTER-DOWN-BY-ADDR` about `master`, routed like `publishHello`.
    case askMasterDown(master: String)
    /// `FAILOVER TO <replica> TIMEOUT <ms>` sent to the master in a coordinated switchover.
    case handover
    /// `CLIENT PAUSE <ms> WRITE` sent to the master in a coordinated switchover.
    case handoverPause
    /// The `INFO` sent to the master right after `CLIENT PAUSE`: its offset bounds every write it acknowledged.
    case handoverOffset
    case ignored
}

/// Past-tense facts the shell reports to the core.
public enum Input: Hashable, Sendable {
    /// The connection is up; `localHost` is the local address of the socket (getsockname), used in hellos.
    case linkConnected(LinkID, localHost: String)
    /// The connection failed to open, or dropped.
    case linkClosed(LinkID, reason: String)
    case replyReceived(LinkID, RequestPurpose, RedisValue)
    /// A pub/sub `message` on a pub/sub link.
    case messageReceived(LinkID, channel: String, payload: String)
    /// A script the core asked to run has started (or could not: pid nil).
    case scriptStarted(id: Int, pid: Int32?)
    /// A script ended: its exit code, or the signal that killed it.
    case scriptFinished(id: Int, exitCode: Int32, signal: Int32)
}

/// What the core wants done, in order. Rule: the shell makes `.persistConfig` durable before it
/// performs any `.send` or client reply of the same batch.
public enum Effect: Hashable, Sendable {
    case connect(LinkID, Address, LinkKind)
    case disconnect(LinkID)
    case send(LinkID, [String], RequestPurpose)
    /// Rewrite the config file from `Sentinel.currentConfig()`.
    case persistConfig
    case emit(SentinelEvent)
    case log(LogLevel, String)
    /// Run a script with no descriptor but 0, 1 and 2 inherited; report `scriptStarted`/`scriptFinished`.
    case runScript(id: Int, arguments: [String])
    case killScript(pid: Int32)
    /// SENTINEL SIMULATE-FAILURE: the process exits with this code at once (Redis uses 99).
    case terminate(exitCode: Int32)
}

/// The result of a client command the core executes.
public struct CommandOutcome: Sendable {
    public var reply: Reply
    public var effects: [Effect]
    /// When the config must reach the disk for the reply to stand: if the rewrite fails the shell
    /// answers "-ERR Failed to save config file. Check server logs." instead.
    public var replyRequiresPersist: Bool

    public init(reply: Reply, effects: [Effect] = [], replyRequiresPersist: Bool = false) {
        self.reply = reply
        self.effects = effects
        self.replyRequiresPersist = replyRequiresPersist
    }

    public static let saveFailedReply = Reply.error("ERR Failed to save config file. Check server logs.")
}
