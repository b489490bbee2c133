/// Redis Sentinel's timing parameters, in milliseconds. Process-wide, changed live by
/// `SENTINEL DEBUG`, never persisted (as in Redis).
public struct Timing: Hashable, Sendable {
    public var infoPeriod: Int64 = 10_000
    public var pingPeriod: Int64 = 1_000
    public var askPeriod: Int64 = 1_000
    public var publishPeriod: Int64 = 2_000
    public var defaultDownAfter: Int64 = 30_000
    public var defaultFailoverTimeout: Int64 = 180_000
    public var tiltTrigger: Int64 = 2_000
    public var tiltPeriod: Int64 = 30_000
    public var slaveReconfTimeout: Int64 = 10_000
    public var minLinkReconnectPeriod: Int64 = 15_000
    public var electionTimeout: Int64 = 10_000
    public var scriptMaxRuntime: Int64 = 60_000
    public var scriptRetryDelay: Int64 = 30_000

    public init() {}

    /// The names `SENTINEL DEBUG` shows (upper case) and accepts (any case), in Redis's order.
    public static let parameterNames: [String] = [
        "info-period", "ping-period", "ask-period", "publish-period", "default-down-after",
        "default-failover-timeout", "tilt-trigger", "tilt-period", "slave-reconf-timeout",
        "min-link-reconnect-period", "election-timeout", "script-max-runtime", "script-retry-delay",
    ]

    private static func keyPath(_ name: String) -> WritableKeyPath<Timing, Int64>? {
        switch name.lowercased() {
        case "info-period": return \.infoPeriod
        case "ping-period": return \.pingPeriod
        case "ask-period": return \.askPeriod
        case "publish-period": return \.publishPeriod
        case "default-down-after": return \.defaultDownAfter
        case "default-failover-timeout": return \.defaultFailoverTimeout
        case "tilt-trigger": return \.tiltTrigger
        case "tilt-period": return \.tiltPeriod
        case "slave-reconf-timeout": return \.slaveReconfTimeout
        case "min-link-reconnect-period": return \.minLinkReconnectPeriod
        case "election-timeout": return \.electionTimeout
        case "script-max-runtime": return \.scriptMaxRuntime
        case "script-retry-delay": return \.scriptRetryDelay
        default: return nil
        }
    }

    public subscript(parameter name: String) -> Int64? {
        get { Timing.keyPath(name).map { self[keyPath: $0] } }
        set {
            guard let path = Timing.keyPath(name), let newValue else { return }
            self[keyPath: path] = newValue
        }
    }
}
