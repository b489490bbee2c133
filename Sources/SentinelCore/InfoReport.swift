/// What Sentinel reads from a node's INFO reply (§3.9). Unknown lines are ignored.
public struct InfoReport: Hashable, Sendable {
    public enum Role: String, Hashable, Sendable {
        case master
        case slave
    }

    public var runID: String?
    public var role: Role?
    /// The `slaveN:` lines of a master, in order.
    public var replicaLines: [ReplicaLine] = []
    /// Replicas a master lists as `slaveN:` lines, in order.
    public var listedReplicas: [Address] { replicaLines.map(\.address) }
    /// Those of them the master says are `online` (done with their initial sync).
    public var onlineReplicas: [Address] { replicaLines.filter(\.isOnline).map(\.address) }
    public var masterLinkDownSinceSeconds: Int64?
    public var masterHost: String?
    public var masterPort: Int?
    public var masterLinkUp: Bool?
    public var replicaPriority: Int?
    public var replicaReplicationOffset: Int64?
    /// `master_repl_offset`: where the node's replication stream stands (a master: every write it has
    /// executed lies at or below it).
    public var masterReplicationOffset: Int64?
    public var replicaAnnounced: Bool?
    /// `master_replid`: the replication history the node writes (a master) or follows (a replica).
    public var replicationID: String?
    /// `master_replid2`: the history a promoted node continued from; nil while it is all zeros.
    public var previousReplicationID: String?

    /// Fields whose values were out of range or malformed and were ignored, each as
    /// `key:"value"` (escaped), for a log line.
    public var ignoredFields: [String] = []

    public init() {}

    /// The entry point for an INFO reply's text (also the fuzzers'). Never traps: a value out of its
    /// range is left out and named in `ignoredFields`.
    public static func parse(_ text: String) -> InfoReport { InfoReport(parsing: text) }

    public init(parsing text: String) {
        var text = text
        text.withUTF8 { parseLines($0) }
    }

    /// Walks the reply's lines as bytes (INFO is ASCII) and makes strings only of the dozen values
    /// Sentinel reads: a master's INFO has about 150 lines, and making a key and a value string of
    /// each, then comparing the key with every field's name, was most of an INFO reply's cost.
    private mutating func parseLines(_ bytes: UnsafeBufferPointer<UInt8>) {
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var lineEnd = end
            if lineEnd > start && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            if lineEnd > start, bytes[start] != UInt8(ascii: "#"),
                let colon = bytes[start..<lineEnd].firstIndex(of: UInt8(ascii: ":")),
                let field = Field(key: UnsafeBufferPointer(rebasing: bytes[start..<colon]))
            {
                let value = String(decoding: bytes[(colon + 1)..<lineEnd], as: UTF8.self)
                if !apply(field, value: value[...]) { ignore(String(decoding: bytes[start..<colon], as: UTF8.self), value) }
            }
            start = end + 1
        }
    }

    /// The fields Sentinel reads; every other key is skipped unread.
    private enum Field {
        case runID, role, masterLinkDownSinceSeconds, masterHost, masterPort, masterLinkStatus, priority
        case replicaReplicationOffset, masterReplicationOffset, replicaAnnounced, replicationID
        case previousReplicationID, replicaLine

        private static let named: [(StaticString, Field)] = [
            ("run_id", .runID), ("role", .role), ("master_link_down_since_seconds", .masterLinkDownSinceSeconds),
            ("master_host", .masterHost), ("master_port", .masterPort), ("master_link_status", .masterLinkStatus),
            ("slave_priority", .priority), ("replica_priority", .priority),
            ("slave_repl_offset", .replicaReplicationOffset), ("master_repl_offset", .masterReplicationOffset),
            ("replica_announced", .replicaAnnounced), ("master_replid", .replicationID),
            ("master_replid2", .previousReplicationID),
        ]

        init?(key: UnsafeBufferPointer<UInt8>) {
            for (name, field) in Field.named where Field.key(key, is: name) {
                self = field
                return
            }
            // `slaveN:`, N a number. Redis writes ASCII digits; any other number a key may start
            // with after `slave` is judged as a character, as before.
            let prefix: StaticString = "slave"
            guard key.count > prefix.utf8CodeUnitCount,
                Field.key(UnsafeBufferPointer(rebasing: key[..<prefix.utf8CodeUnitCount]), is: prefix)
            else { return nil }
            let next = key[prefix.utf8CodeUnitCount]
            if next < 0x80 {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) else { return nil }
            } else {
                let text = String(decoding: key, as: UTF8.self)
                guard text.hasPrefix("slave"), text.dropFirst(5).first?.isNumber == true else { return nil }
            }
            self = .replicaLine
        }

        /// Byte equality, which for these ASCII names is the same as String's equality.
        private static func key(_ key: UnsafeBufferPointer<UInt8>, is name: StaticString) -> Bool {
            guard key.count == name.utf8CodeUnitCount else { return false }
            let expected = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
            return key.elementsEqual(expected)
        }
    }

    private mutating func ignore(_ key: String, _ value: String) {
        let shown = value.utf8.count > 64 ? String(decoding: value.utf8.prefix(64), as: UTF8.self) + "..." : value
        ignoredFields.append(key + ":" + RedisRepr.quoted(shown))
    }

    /// Reads one field; false when its value is out of range (and so ignored). Numbers are checked
    /// as Redis writes them: a node that reports more is lying, and a huge number would overflow
    /// the arithmetic done with it (seconds to milliseconds, ages, offsets).
    private mutating func apply(_ field: Field, value: Substring) -> Bool {
        switch field {
        case .runID:
            guard ValueRules.isRunID(value) else { return false }
            runID = String(value)
        case .role:
            role = Role(rawValue: String(value))
        case .masterLinkDownSinceSeconds:
            // Redis writes -1 while the link has never been up.
            guard let seconds = Int64(value), (-1...CoreLimits.maxLinkDownSeconds).contains(seconds) else { return false }
            masterLinkDownSinceSeconds = seconds
        case .masterHost:
            guard ValueRules.isHost(String(value), hostnamesAllowed: true) else { return false }
            masterHost = String(value)
        case .masterPort:
            guard let port = Int(value), (0...65535).contains(port) else { return false }
            masterPort = port
        case .masterLinkStatus:
            masterLinkUp = value == "up"
        case .priority:
            guard let priority = Int(value), (0...Int(Int32.max)).contains(priority) else { return false }
            replicaPriority = priority
        case .replicaReplicationOffset:
            guard let offset = Int64(value), offset >= 0 else { return false }
            replicaReplicationOffset = offset
        case .masterReplicationOffset:
            guard let offset = Int64(value), offset >= 0 else { return false }
            masterReplicationOffset = offset
        case .replicaAnnounced:
            replicaAnnounced = value != "0"
        case .replicationID:
            guard ValueRules.isRunID(value) else { return false }
            replicationID = String(value)
        case .previousReplicationID:
            guard ValueRules.isRunID(value) else { return false }
            if value.utf8.contains(where: { $0 != UInt8(ascii: "0") }) { previousReplicationID = String(value) }
        case .replicaLine:
            guard let line = ReplicaLine(parsing: value) else { return false }
            replicaLines.append(line)
        }
        return true
    }

    /// A replica as its master lists it in a `slaveN:` line: `ip=127.0.0.1,port=6380,state=online,
    /// offset=9120,lag=0` (new format) or `127.0.0.1,6380,online` (old format, no offset or lag).
    /// The one reader of these lines, for the core and for `vigil doctor`.
    public struct ReplicaLine: Hashable, Sendable {
        public var address: Address
        /// `online` once done with its initial sync (rather than `wait_bgsave`, `send_bulk`, ...).
        public var isOnline: Bool
        /// The replication offset the replica last acknowledged.
        public var offset: Int64?
        /// Seconds since the replica's last acknowledgement.
        public var lag: Int64?

        /// The address is what a replica announced (REPLCONF listening-port, replica-announce-ip), so it
        /// is checked as any address from outside: an IP or hostname, a port 1-65535. Nil otherwise.
        public init?(parsing value: Substring) {
            var ip: Substring?
            var port: Substring?
            if value.contains("=") {
                isOnline = false
                for field in value.split(separator: ",") {
                    if field.hasPrefix("ip=") { ip = field.dropFirst(3) }
                    if field.hasPrefix("port=") { port = field.dropFirst(5) }
                    if field.hasPrefix("offset=") { offset = Int64(field.dropFirst(7)) }
                    if field.hasPrefix("lag=") { lag = Int64(field.dropFirst(4)) }
                    if field == "state=online" { isOnline = true }
                }
            } else {
                let fields = value.split(separator: ",", omittingEmptySubsequences: false)
                guard fields.count >= 2 else { return nil }
                (ip, port) = (fields[0], fields[1])
                isOnline = fields.count >= 3 && fields[2] == "online"
            }
            guard let ip, let port, let number = Int(port), ValueRules.isListeningPort(number),
                ValueRules.isHost(String(ip), hostnamesAllowed: true)
            else { return nil }
            address = Address(host: String(ip), port: number)
        }
    }
}
