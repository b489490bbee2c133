/// Everything a sentinel config file says, as values. Parsed from the file at start
/// (`ConfigFile.parse`), and rebuilt from the live state for every rewrite (`ConfigFile.rewrite`).
public struct SentinelConfig: Hashable, Sendable {
    // Generic server directives that Vigil acts on.
    public var port: Int = 26379
    public var bind: [String] = []
    public var dir: String? = nil
    public var logfile: String = ""
    public var loglevel: LogLevel = .notice
    public var pidfile: String? = nil
    public var requirepass: String? = nil
    public var protectedMode: Bool = false
    public var daemonize: Bool = false
    /// Vigil's own: the opt-in HTTP listener for /metrics, /health and /v1/masters (0: off).
    public var httpPort: Int = 0
    public var httpBind: String = "127.0.0.1"
    /// The port hellos announce when it is not `port`: the TLS port when peers must reach this
    /// sentinel over TLS. Set by the shell from the `tls-*` directives; never written to the file.
    public var helloPort: Int? = nil
    /// ACL users, each `user` line's words after `user` (name, then rules), in file order. The core
    /// keeps them for the rewrite; the client server interprets them.
    public var users: [[String]] = []
    /// maxclients: connections beyond this many are refused.
    public var maxClients: Int = 10_000
    /// timeout: clients idle for more than this many seconds are closed, subscribers excepted; 0: never.
    public var clientIdleTimeoutSeconds: Int = 0
    /// client-output-buffer-limit, per client class.
    public var clientOutputBufferLimits = ClientOutputBufferLimits.redisDefaults
    /// `aclfile`: users come from this file (ACL LOAD/SAVE), never from `user` lines.
    public var aclfile: String? = nil
    /// The main file's `include` lines as written; the rewrite keeps them.
    public var includes: [String] = []
    /// Rewrite keys set by included files and not by the main file: the rewrite leaves them to the
    /// included files while their value is what those files said (`includedLines`).
    public var includeOwnedKeys: Set<String> = []
    /// The lines the rewrite rendered at start-up for `includeOwnedKeys` (see `recordIncludedLines`).
    public var includedLines: [String: [String]] = [:]
    /// Vigil's own: log lines in Redis's format, or as JSON lines.
    public var logFormat: LogFormat = .redis
    /// Generic directives Redis accepts that Vigil keeps but does not act on (key lower-cased, arguments).
    public var otherDirectives: [GenericDirective] = []

    // Global `sentinel ...` directives.
    public var myid: String? = nil
    public var currentEpoch: Int64 = 0
    public var announceIP: String? = nil
    public var announcePort: Int = 0
    public var denyScriptsReconfig: Bool = true
    public var sentinelUser: String? = nil
    public var sentinelPass: String? = nil
    public var resolveHostnames: Bool = false
    public var announceHostnames: Bool = false

    /// In file order (Redis keeps a dict; Vigil keeps the order of the file, then of MONITOR).
    public var masters: [MasterConfig] = []

    public init() {}

    public func master(named name: String) -> MasterConfig? { masters.first { $0.name == name } }
}

public struct GenericDirective: Hashable, Sendable {
    public var key: String
    public var arguments: [String]
    public init(key: String, arguments: [String]) {
        self.key = key
        self.arguments = arguments
    }
}

public struct KnownSentinel: Hashable, Sendable {
    public var address: Address
    public var runID: String
    public init(address: Address, runID: String) {
        self.address = address
        self.runID = runID
    }
}

public struct CommandRename: Hashable, Sendable {
    public var command: String
    public var renamed: String
    public init(command: String, renamed: String) {
        self.command = command
        self.renamed = renamed
    }
}

public struct MasterConfig: Hashable, Sendable {
    public static let defaultDownAfterMilliseconds: Int64 = 30_000
    public static let defaultFailoverTimeoutMilliseconds: Int64 = 180_000

    public var name: String
    public var address: Address
    public var quorum: Int
    public var downAfterMilliseconds: Int64 = MasterConfig.defaultDownAfterMilliseconds
    public var failoverTimeoutMilliseconds: Int64 = MasterConfig.defaultFailoverTimeoutMilliseconds
    public var parallelSyncs: Int = 1
    public var notificationScript: String? = nil
    public var clientReconfigScript: String? = nil
    public var authPass: String? = nil
    public var authUser: String? = nil
    public var masterRebootDownAfterPeriodMilliseconds: Int64 = 0
    /// Vigil only (0 = off): a replica further behind the master's last reported offset is not promoted.
    public var promotionMaxLagBytes: Int64 = 0
    /// Vigil only: how long a failover waits for a replica within that bound before it gives up.
    public var promotionCatchUpMilliseconds: Int64 = 0
    public var configEpoch: Int64 = 0
    public var leaderEpoch: Int64 = 0
    public var knownReplicas: [Address] = []
    public var knownSentinels: [KnownSentinel] = []
    public var renamedCommands: [CommandRename] = []

    public init(name: String, address: Address, quorum: Int) {
        self.name = name
        self.address = address
        self.quorum = quorum
    }
}
