import NIOCore
import SentinelCore

/// The bounds on client connections, each with its reason. (What a request may be is bounded by
/// `RESPRequestLimits`; the core's bounds are `CoreLimits`.)
public struct ClientLimits: Sendable, Hashable {
    /// maxclients: a connection beyond this is refused with Redis's error, so descriptors and memory
    /// cannot run out; lowered at start-up when the open files limit cannot fit it.
    public var maxClients: Int
    /// timeout: a client idle for more than this many seconds is closed, subscribers excepted; 0: never.
    public var idleTimeoutSeconds: Int
    /// client-output-buffer-limit: a client that does not read its replies or messages is cut off
    /// rather than let them pile up in our memory.
    public var outputBuffer: ClientOutputBufferLimits

    public init(maxClients: Int = 10_000, idleTimeoutSeconds: Int = 0, outputBuffer: ClientOutputBufferLimits = .redisDefaults) {
        self.maxClients = maxClients
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.outputBuffer = outputBuffer
    }

    /// Redis's CONFIG_MIN_RESERVED_FDS: descriptors kept beyond the clients for listeners, links to
    /// Redis nodes and peers, log writes and scripts.
    public static let reservedFileDescriptors = 32
    /// How often idle clients are looked for: Redis's clientsCron sees every client about once a second.
    static let idleCheckInterval = TimeAmount.seconds(1)
}
