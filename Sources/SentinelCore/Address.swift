/// A host and port as written in the config or announced on the wire.
public struct Address: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
    /// `ip:port`, or `[v6]:port` for IPv6, as Redis names replicas.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
    public static func < (lhs: Address, rhs: Address) -> Bool {
        (lhs.host, lhs.port) < (rhs.host, rhs.port)
    }
    /// Redis compares addresses by IP, or by hostname case-insensitively.
    public func sameAs(_ other: Address) -> Bool {
        port == other.port && (host == other.host || host.lowercased() == other.host.lowercased())
    }
}

/// Numeric IPv4/IPv6 check, used where `resolve-hostnames no` allows only literal addresses.
public enum IPLiteral {
    public static func isValid(_ text: String) -> Bool { isIPv4(text) || isIPv6(text) }

    /// Four dot-separated decimal parts of one to three ASCII digits, each at most 255. Read byte by
    /// byte: every hello carries two addresses, and with three sentinels watching hundreds of masters
    /// hundreds of hellos a second arrive; splitting into substrings and walking them as characters
    /// was most of a hello's parse.
    public static func isIPv4(_ text: String) -> Bool {
        var dots = 0
        var digits = 0
        var value = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return false }
                dots += 1
                digits = 0
                value = 0
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                guard digits <= 3, value <= 255 else { return false }
            } else {
                return false
            }
        }
        return dots == 3 && digits > 0
    }

    public static func isIPv6(_ text: String) -> Bool {
        guard text.contains(":"), text.count <= 45 else { return false }
        var body = Substring(text)
        if let lastColon = body.lastIndex(of: ":"), body[body.index(after: lastColon)...].contains(".") {
            guard isIPv4(String(body[body.index(after: lastColon)...])) else { return false }
            body = body[...lastColon] + "0"
        }
        let doubleColons = body.components(separatedByString: "::")
        guard doubleColons.count <= 2 else { return false }
        let groups = body.split(separator: ":", omittingEmptySubsequences: true)
        if doubleColons.count == 1 && groups.count != 8 && !text.contains(".") { return false }
        guard groups.count <= 8 else { return false }
        return groups.allSatisfy { $0.count <= 4 && $0.allSatisfy { $0.isHexDigit } }
    }
}

extension Substring {
    func components(separatedByString separator: String) -> [Substring] {
        var result: [Substring] = []
        var rest = self[...]
        while let range = rest.firstRange(of: separator) {
            result.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        result.append(rest)
        return result
    }
}
