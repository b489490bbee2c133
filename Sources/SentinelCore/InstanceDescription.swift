/// An instance as an event names it (Redis's `%@`), with the announced addresses it was rendered with.
public struct InstanceDescription: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case master
        case slave
        case sentinel
    }

    /// The master a replica or sentinel belongs to.
    public struct Owner: Hashable, Sendable {
        public var name: String
        public var address: Address
        public init(name: String, address: Address) {
            self.name = name
            self.address = address
        }
    }

    public var kind: Kind
    /// The master's name, `ip:port` for a replica, the run id for a sentinel.
    public var name: String
    public var address: Address
    /// Nil for a master.
    public var master: Owner?

    public static func master(_ name: String, _ address: Address) -> InstanceDescription {
        InstanceDescription(kind: .master, name: name, address: address, master: nil)
    }

    public init(kind: Kind, name: String, address: Address, master: Owner?) {
        self.kind = kind
        self.name = name
        self.address = address
        self.master = master
    }

    /// The master the instance is, or belongs to.
    public var masterName: String { master?.name ?? name }
}

extension InstanceDescription {
    /// `<kind> <name> <ip> <port>`, and for replicas and sentinels `@ <master> <master-ip> <master-port>`.
    var text: String {
        let own = "\(kind.rawValue) \(name) \(address.host) \(address.port)"
        guard let master else { return own }
        return "\(own) @ \(master.name) \(master.address.host) \(master.address.port)"
    }

    /// Reads the prefix from the words of a message; returns it and the words after it.
    static func parse(_ words: [String]) -> (InstanceDescription, rest: ArraySlice<String>)? {
        guard words.count >= 4, let kind = Kind(rawValue: words[0]), let port = Int(words[3]) else { return nil }
        let address = Address(host: words[2], port: port)
        if kind == .master { return (.master(words[1], address), words[4...]) }
        guard words.count >= 8, words[4] == "@", let masterPort = Int(words[7]) else { return nil }
        let owner = Owner(name: words[5], address: Address(host: words[6], port: masterPort))
        return (InstanceDescription(kind: kind, name: words[1], address: address, master: owner), words[8...])
    }
}
