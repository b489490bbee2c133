import SentinelCore

extension Address {
    /// `host:port`, or `[v6]:port`, as the tools' `--sentinels` lists name sentinels.
    public init?(hostPort text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    /// `host:port[,host:port...]`; throws naming the first item that is not one.
    public static func list(_ text: String) throws -> [Address] {
        try text.split(separator: ",").map { item in
            guard let address = Address(hostPort: String(item)) else { throw UsageProblem("'\(item)' is not host:port") }
            return address
        }
    }
}
