/// What one client class may leave unread before it is disconnected (`client-output-buffer-limit`).
public struct OutputBufferLimit: Hashable, Sendable {
    /// Disconnect as soon as this many bytes are pending; 0: no hard limit.
    public var hardBytes: Int
    /// Disconnect when at least this many bytes stay pending for more than `softSeconds`; 0: no soft limit.
    public var softBytes: Int
    public var softSeconds: Int

    public init(hardBytes: Int, softBytes: Int, softSeconds: Int) {
        self.hardBytes = hardBytes
        self.softBytes = softBytes
        self.softSeconds = softSeconds
    }
}

/// The three classes Redis limits, with its defaults.
public struct ClientOutputBufferLimits: Hashable, Sendable {
    public var normal = OutputBufferLimit(hardBytes: 0, softBytes: 0, softSeconds: 0)
    /// No replica ever connects to a sentinel, but the file may say it, and the rewrite keeps it.
    public var replica = OutputBufferLimit(hardBytes: 256 << 20, softBytes: 64 << 20, softSeconds: 60)
    public var pubsub = OutputBufferLimit(hardBytes: 32 << 20, softBytes: 8 << 20, softSeconds: 60)

    public init() {}

    public static let redisDefaults = ClientOutputBufferLimits()
}

/// `maxclients`, `timeout` and `client-output-buffer-limit`: read and written back as Redis 7.0 does,
/// with its CONFIG error strings.
enum ClientDirectives {
    static let defaultMaxClients = 10_000

    static func apply(_ key: String, _ arguments: [String], to config: inout SentinelConfig) -> String? {
        switch key {
        case "maxclients":
            guard arguments.count == 1 else { return "wrong number of arguments" }
            return integer(arguments[0], in: 1...Int(UInt32.max)) { config.maxClients = $0 }
        case "timeout":
            guard arguments.count == 1 else { return "wrong number of arguments" }
            return integer(arguments[0], in: 0...Int(Int32.max)) { config.clientIdleTimeoutSeconds = $0 }
        default:
            return applyOutputBufferLimits(arguments, to: &config.clientOutputBufferLimits)
        }
    }

    private static func integer(_ text: String, in range: ClosedRange<Int>, _ set: (Int) -> Void) -> String? {
        guard let value = CNumbers.string2ll(text).map(Int.init) else { return KnownDirectives.notInteger }
        guard range.contains(value) else { return "argument must be between \(range.lowerBound) and \(range.upperBound) inclusive" }
        set(value)
        return nil
    }

    /// `<class> <hard> <soft> <soft-seconds>`, repeated; all checked before any is applied, as Redis does.
    private static func applyOutputBufferLimits(_ arguments: [String], to limits: inout ClientOutputBufferLimits) -> String? {
        guard arguments.count % 4 == 0 else { return "Wrong number of arguments in buffer limit configuration." }
        var updated = limits
        for start in stride(from: 0, to: arguments.count, by: 4) {
            let words = Array(arguments[start..<(start + 4)])
            let limit: WritableKeyPath<ClientOutputBufferLimits, OutputBufferLimit>
            switch words[0].lowercased() {
            case "normal": limit = \.normal
            case "replica", "slave": limit = \.replica
            case "pubsub": limit = \.pubsub
            default: return "Invalid client class specified in buffer limit configuration."
            }
            guard let hard = memoryBytes(words[1]), let soft = memoryBytes(words[2]), let seconds = cSeconds(words[3]) else {
                return "Error in hard, soft or soft_seconds setting in buffer limit configuration."
            }
            updated[keyPath: limit] = OutputBufferLimit(hardBytes: hard, softBytes: soft, softSeconds: seconds)
        }
        limits = updated
        return nil
    }

    /// Redis's memtoull: digits and an optional unit (b, k, kb, m, mb, g, gb, any case); no sign.
    static func memoryBytes(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let units: [String: Int] = ["": 1, "b": 1, "k": 1_000, "kb": 1_024, "m": 1_000_000, "mb": 1 << 20, "g": 1_000_000_000, "gb": 1 << 30]
        guard let multiplier = units[text.dropFirst(digits.count).lowercased()], digits.count < 128 else { return nil }
        // Redis reads "mb" alone as 0, and lets a huge number saturate.
        let value = digits.isEmpty ? 0 : Int(digits) ?? Int.max
        return value.multipliedReportingOverflow(by: multiplier).overflow ? Int.max : value * multiplier
    }

    /// strtoll as Redis uses it for soft seconds: leading spaces and a sign allowed, nothing after the
    /// digits, not negative.
    static func cSeconds(_ text: String) -> Int? {
        var rest = Substring(text).drop { $0 == " " || ("\t"..."\r").contains($0) }
        var negative = false
        if let sign = rest.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        guard rest.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let magnitude = rest.isEmpty ? 0 : Int(rest) ?? Int.max
        if negative && magnitude > 0 { return nil }
        return magnitude
    }

    /// The lines the rewrite writes: each only when it differs from Redis's default, or to replace a
    /// line the file already has.
    static func rewriteLines(for config: SentinelConfig) -> [ConfigRewriter.Line] {
        var lines: [ConfigRewriter.Line] = [
            .init(key: "maxclients", text: "maxclients \(config.maxClients)", force: config.maxClients != defaultMaxClients),
            .init(key: "timeout", text: "timeout \(config.clientIdleTimeoutSeconds)", force: config.clientIdleTimeoutSeconds != 0),
        ]
        let defaults = ClientOutputBufferLimits.redisDefaults
        let classes: [(String, KeyPath<ClientOutputBufferLimits, OutputBufferLimit>)] = [
            ("normal", \.normal), ("replica", \.replica), ("pubsub", \.pubsub),
        ]
        for (name, path) in classes {
            let limit = config.clientOutputBufferLimits[keyPath: path]
            let text = "client-output-buffer-limit \(name) \(memoryText(limit.hardBytes)) \(memoryText(limit.softBytes)) \(limit.softSeconds)"
            lines.append(.init(key: "client-output-buffer-limit", text: text, force: limit != defaults[keyPath: path]))
        }
        return lines
    }

    /// Redis's rewriteConfigFormatMemory: the largest of gb, mb, kb that divides the value exactly.
    static func memoryText(_ bytes: Int) -> String {
        for (unit, size) in [("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10)] where bytes != 0 && bytes % size == 0 {
            return "\(bytes / size)\(unit)"
        }
        return String(bytes)
    }
}
