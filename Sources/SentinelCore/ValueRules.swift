/// The rules every value from outside (hellos, peers' replies, INFO, commands, the config file) is
/// checked against where it enters the core, so that nothing a node, a peer or a client sends can
/// trap an arithmetic operation or write a line of its own into the config file.
public enum ValueRules {
    /// A Redis run id or sentinel id: 40 hex digits. Redis checks only the length; the digits are
    /// checked too because ids are written unquoted in events and in the config file.
    public static func isRunID<S: StringProtocol>(_ text: S) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy(isHexDigit)
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (97...102).contains(byte) || (65...70).contains(byte)
    }

    /// A DNS name: letters, digits, `-`, `_` and `.`, at most 255 bytes. Enough for every name a
    /// resolver answers, and nothing that could split a hello, an event or a config line.
    public static func isHostname<S: StringProtocol>(_ text: S) -> Bool {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= CoreLimits.maxHostnameBytes else { return false }
        return bytes.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }

    /// An address a peer or a node announces: a numeric IP, or a hostname when hostnames are allowed.
    public static func isHost(_ text: String, hostnamesAllowed: Bool) -> Bool {
        IPLiteral.isValid(text) || (hostnamesAllowed && isHostname(text))
    }

    /// A port something listens on: 0 is not one, whatever Redis accepts in its config.
    public static func isListeningPort(_ port: Int) -> Bool { (1...65535).contains(port) }

    /// Whether a value holds a byte that ends or splits a line (CR, LF) or a C string (NUL).
    public static func hasLineBreakOrNul(_ text: String) -> Bool {
        text.utf8.contains { $0 == 10 || $0 == 13 || $0 == 0 }
    }

    /// A master name. Redis takes any string; Vigil refuses what breaks the protocols the name
    /// travels in: a comma splits the hello (peers would never be found), a space splits the event
    /// messages clients parse (`+switch-master <name> <ip> <port> ...`), control bytes split log and
    /// config lines.
    public static func isMasterName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 > 32 && $0 != 127 && $0 != UInt8(ascii: ",") }
    }

    /// A count Redis keeps in a C int (quorum, parallel-syncs): 1...Int32.max.
    public static func positiveCount<S: StringProtocol>(_ text: S) -> Int? {
        guard let value = Int(text), (1...Int(Int32.max)).contains(value) else { return nil }
        return value
    }

    /// A value echoed in an error reply with CR and LF as spaces, as Redis's error replies do: an
    /// error is one protocol line.
    public static func oneLine(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 10 || $0 == 13 }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\n" || $0 == "\r" ? " " : $0 }))
    }

    /// An epoch as Redis reads it (a decimal integer), within 0...CoreLimits.maxEpoch.
    public static func epoch<S: StringProtocol>(_ text: S) -> Int64? {
        guard let value = Int64(text), (0...CoreLimits.maxEpoch).contains(value) else { return nil }
        return value
    }

    /// A time parameter in milliseconds, within minimum...CoreLimits.maxTimeMilliseconds.
    public static func milliseconds<S: StringProtocol>(_ text: S, minimum: Int64) -> Int64? {
        guard let value = Int64(text), (minimum...CoreLimits.maxTimeMilliseconds).contains(value) else { return nil }
        return value
    }
}

extension Int64 {
    /// `self + other`, pinned to Int64's ends instead of trapping: instants plus durations that
    /// come (however bounded) from outside must never be able to crash the core.
    func addingSaturated(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    func subtractingSaturated(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other > 0 ? .min : .max) : difference
    }

    func multipliedSaturated(by other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) == (other < 0) ? .max : .min) : product
    }
}
