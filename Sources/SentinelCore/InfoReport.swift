/// What Sentinel reads from a node's INFO reply (§3.9). Unknown lines are ignored.
public struct InfoReport: Hashable, Sendable {
    public enum Role: String, Hashable, Sendable {
        case master
        case slave
    }

    public var runID: String?
    public var role: Role?
    /// Replicas a master lists as `slaveN:` lines, in order.
    public var listedReplicas: [Address] = []
    /// Those of them the master says are `online` (done with their initial sync).
    public var onlineReplicas: [Address] = []
    public var masterLinkDownSinceSeconds: Int64?
    public var masterHost: String?
    public var masterPort: Int?
    public var masterLinkUp: Bool?
    public var replicaPriority: Int?
    public var replicaReplicationOffset: Int64?
    public var replicaAnnounced: Bool?

    public init() {}

    public init(parsing text: String) {
        // Split on bytes: INFO is ASCII, and walking Characters costs far more on every reply.
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            if lineEnd > start, bytes[start] != UInt8(ascii: "#"),
                let colon = bytes[start..<lineEnd].firstIndex(of: UInt8(ascii: ":"))
            {
                let key = String(decoding: bytes[start..<colon], as: UTF8.self)
                let value = String(decoding: bytes[(colon + 1)..<lineEnd], as: UTF8.self)
                apply(key: key[...], value: value[...])
            }
            start = end + 1
        }
    }

    private mutating func apply(key: Substring, value: Substring) {
        switch key {
        case "run_id":
            if value.count == 40 { runID = String(value) }
        case "role":
            role = Role(rawValue: String(value))
        case "master_link_down_since_seconds":
            masterLinkDownSinceSeconds = Int64(value)
        case "master_host":
            masterHost = String(value)
        case "master_port":
            masterPort = Int(value)
        case "master_link_status":
            masterLinkUp = value == "up"
        case "slave_priority", "replica_priority":
            replicaPriority = Int(value)
        case "slave_repl_offset":
            replicaReplicationOffset = Int64(value)
        case "replica_announced":
            replicaAnnounced = value != "0"
        default:
            if key.hasPrefix("slave"), let first = key.dropFirst(5).first, first.isNumber,
                let address = InfoReport.parseReplicaLine(value)
            {
                listedReplicas.append(address)
                if InfoReport.replicaLineSaysOnline(value) { onlineReplicas.append(address) }
            }
        }
    }

    /// Whether a `slaveN:` line has the replica `online` (rather than `wait_bgsave`, `send_bulk`, ...).
    static func replicaLineSaysOnline(_ value: Substring) -> Bool {
        if value.contains("=") { return value.split(separator: ",").contains("state=online") }
        let fields = value.split(separator: ",", omittingEmptySubsequences: false)
        return fields.count >= 3 && fields[2] == "online"
    }

    /// `ip=127.0.0.1,port=6380,state=online,...` (new format) or `127.0.0.1,6380,online` (old format).
    static func parseReplicaLine(_ value: Substring) -> Address? {
        if value.contains("=") {
            var ip: String?
            var port: Int?
            for field in value.split(separator: ",") {
                if field.hasPrefix("ip=") { ip = String(field.dropFirst(3)) }
                if field.hasPrefix("port=") { port = Int(field.dropFirst(5)) }
            }
            guard let ip, let port, !ip.isEmpty else { return nil }
            return Address(host: ip, port: port)
        }
        let fields = value.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count >= 2, !fields[0].isEmpty, let port = Int(fields[1]) else { return nil }
        return Address(host: String(fields[0]), port: port)
    }
}
