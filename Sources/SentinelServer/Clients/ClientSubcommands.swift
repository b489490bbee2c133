import NIOCore
import RESP

/// CLIENT and its subcommands: the connection's own name and id, and listing and killing clients.
struct ClientSubcommands {
    let registry: ClientRegistry
    let access: AccessControl

    func run(_ arguments: [String], client: ClientRecord) -> CommandResult {
        let now = NIODeadline.now()
        switch arguments[1].lowercased() {
        case "id":
            return .reply(.integer(client.id))
        case "getname":
            return .reply(client.name.isEmpty ? .null : .bulk(client.name))
        case "setname":
            guard ConnectionCommands.validClientName(arguments[2]) || arguments[2].isEmpty else {
                return .error("ERR Client names cannot contain spaces, newlines or special characters.")
            }
            client.name = arguments[2]
            return .reply(.simpleString("OK"))
        case "setinfo":
            let value = arguments[3]
            guard value.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) || value.isEmpty else {
                return .error("ERR \(arguments[2]) cannot contain spaces, newlines or special characters.")
            }
            switch arguments[2].lowercased() {
            case "lib-name": client.libraryName = value
            case "lib-ver": client.libraryVersion = value
            default: return .error("ERR Unrecognized option '\(arguments[2])'")
            }
            return .reply(.simpleString("OK"))
        case "info":
            return .reply(.verbatim(client.listLine(now: now) + "\n"))
        case "list":
            return clientList(Array(arguments.dropFirst(2)), now: now)
        case "kill":
            return clientKill(Array(arguments.dropFirst(2)), client: client)
        default:
            return .reply(.array(Self.clientHelp.map { .simpleString($0) }))
        }
    }

    static let clientHelp = [
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME", "    Return the name of the current connection.",
        "ID", "    Return the ID of the current connection.",
        "INFO", "    Return information about the current client connection.",
        "KILL <ip:port>", "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
        "    * USER <username>", "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
        "    * ID <client-id>", "      Kill connections by client id.",
        "LIST [options ...]", "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Return clients of specified type.",
        "SETNAME <name>", "    Assign the name <name> to the current connection.",
        "SETINFO <option> <value>", "    Set client meta attr. Options are:",
        "    * LIB-NAME: the client lib name.", "    * LIB-VER: the client lib version.",
        "HELP", "    Print this help.",
    ]

    private func clientList(_ options: [String], now: NIODeadline) -> CommandResult {
        var clients = registry.ordered
        var index = 0
        while index < options.count {
            let option = options[index].lowercased()
            if option == "type", index + 1 < options.count {
                let type = options[index + 1].lowercased()
                guard ["normal", "pubsub", "master", "replica", "slave"].contains(type) else {
                    return .error("ERR Unknown client type '\(options[index + 1])'")
                }
                clients = clients.filter { type == "pubsub" ? $0.isSubscribed : (type == "normal" && !$0.isSubscribed) }
                index += 2
            } else if option == "id", index + 1 < options.count {
                var ids: Set<Int64> = []
                for word in options[(index + 1)...] {
                    guard let id = Int64(word), id > 0 else { return .error("ERR Invalid client ID") }
                    ids.insert(id)
                }
                clients = clients.filter { ids.contains($0.id) }
                index = options.count
            } else {
                return .error("ERR syntax error")
            }
        }
        return .reply(.verbatim(clients.map { $0.listLine(now: now) + "\n" }.joined()))
    }

    private func clientKill(_ options: [String], client: ClientRecord) -> CommandResult {
        if options.count == 1 {
            guard let victim = registry.ordered.first(where: { $0.address == options[0] }) else { return .error("ERR No such client") }
            registry.close(victim, requestedBy: client)
            return .reply(.simpleString("OK"))
        }
        guard options.count.isMultiple(of: 2) else { return .error("ERR syntax error") }
        var victims = registry.ordered
        var skipMe = true
        for pair in stride(from: 0, to: options.count, by: 2) {
            let value = options[pair + 1]
            switch options[pair].lowercased() {
            case "id":
                guard let id = Int64(value), id > 0 else { return .error("ERR client-id should be greater than 0") }
                victims = victims.filter { $0.id == id }
            case "addr": victims = victims.filter { $0.address == value }
            case "laddr": victims = victims.filter { $0.localAddress == value }
            case "user":
                guard access.user(named: value) != nil else { return .error("ERR No such user '\(value)'") }
                victims = victims.filter { $0.userName == value }
            case "type":
                let type = value.lowercased()
                guard ["normal", "pubsub", "master", "replica", "slave"].contains(type) else { return .error("ERR Unknown client type '\(value)'") }
                victims = victims.filter { type == "pubsub" ? $0.isSubscribed : (type == "normal" && !$0.isSubscribed) }
            case "skipme":
                switch value.lowercased() {
                case "yes": skipMe = true
                case "no": skipMe = false
                default: return .error("ERR syntax error")
                }
            default:
                return .error("ERR syntax error")
            }
        }
        if skipMe { victims.removeAll { $0.id == client.id } }
        for victim in victims { registry.close(victim, requestedBy: client) }
        return .reply(.integer(Int64(victims.count)))
    }
}
