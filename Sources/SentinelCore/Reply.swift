/// A reply as the core wants it sent, shaped like RESP3. The server encodes it for the client's
/// protocol: a `.map` becomes a flat array in RESP2, `.nullArray` becomes `*-1` in RESP2 and `_` in RESP3.
public indirect enum Reply: Hashable, Sendable {
    case simple(String)
    /// The whole error line without the leading '-', e.g. "ERR No such master with that name".
    case error(String)
    case integer(Int64)
    case bulk(String)
    case nullBulk
    case nullArray
    case array([Reply])
    case map([Reply])  // flat key, value, key, value...
    /// INFO text: a verbatim string in RESP3, a bulk string in RESP2.
    case verbatim(String)

    public static let ok = Reply.simple("OK")

    public static func bulkInteger(_ value: Int64) -> Reply { .bulk(String(value)) }
    public static func bulkInteger(_ value: Int) -> Reply { .bulk(String(value)) }

    /// A map whose keys are bulk strings, in the given order.
    public static func fields(_ pairs: [(String, Reply)]) -> Reply {
        var flat: [Reply] = []
        flat.reserveCapacity(pairs.count * 2)
        for (key, value) in pairs {
            flat.append(.bulk(key))
            flat.append(value)
        }
        return .map(flat)
    }
}

/// A reply from a Redis node or a peer, as decoded by the shell (hiredis on the wire).
public indirect enum RedisValue: Hashable, Sendable {
    case status(String)
    case error(String)
    case integer(Int64)
    case string(String)
    case null
    case array([RedisValue])

    public var text: String? {
        switch self {
        case .status(let text), .string(let text): return text
        default: return nil
        }
    }
    public var isError: Bool { if case .error = self { return true } else { return false } }
}
