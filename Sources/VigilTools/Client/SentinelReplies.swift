import RESP
import SentinelCore

/// The one reader of the sentinel replies the tools use: SENTINEL MASTER's (and REPLICAS',
/// CONFIG GET's) flat name/value pairs, and GET-MASTER-ADDR-BY-NAME's address.
public enum SentinelReplies {
    /// A reply of alternating names and values (a RESP2 flat array or a RESP3 map) as a dictionary;
    /// nil for any other reply. A later name wins; a value that is not a string reads as "".
    public static func fields(_ value: RESPValue) -> [String: String]? {
        let items: [RESPValue]
        switch value {
        case .array(let elements), .map(let elements): items = elements
        default: return nil
        }
        var result: [String: String] = [:]
        var index = 0
        while index + 1 < items.count {
            if let key = items[index].stringValue { result[key] = items[index + 1].stringValue ?? "" }
            index += 2
        }
        return result
    }

    /// GET-MASTER-ADDR-BY-NAME's `[host, port]`; nil for an error, a null or anything else.
    public static func masterAddress(_ value: RESPValue) -> Address? {
        guard case .array(let pair) = value, pair.count == 2, let host = pair[0].stringValue,
            let port = pair[1].stringValue.flatMap(Int.init)
        else { return nil }
        return Address(host: host, port: port)
    }
}
