import NIOCore
import RESP
import SentinelCore

extension ClientServerContext {
    static let wrongPass = "WRONGPASS invalid username-password pair or user is disabled."

    /// AUTH [user] password, against requirepass (the default user).
    func auth(_ arguments: [String], client: ClientRecord) -> CommandResult {
        guard arguments.count <= 2 else { return .error("ERR syntax error") }
        if arguments.count == 1 && configuration.requirepass == nil {
            return .error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
        }
        guard checkPassword(user: arguments.count == 2 ? arguments[0] : "default", password: arguments.last!) else {
            return .error(Self.wrongPass)
        }
        client.authenticated = true
        return .reply(.simpleString("OK"))
    }

    func checkPassword(user: String, password: String) -> Bool {
        guard user == "default" else { return false }
        guard let required = configuration.requirepass else { return true }
        return required == password
    }

    /// HELLO [protover [AUTH user pass] [SETNAME name]]: a 6-field map in sentinel mode.
    func hello(_ arguments: [String], client: ClientRecord) -> CommandResult {
        var version = client.protocolVersion
        var index = 1
        if arguments.count > 1 {
            guard let requested = Int(arguments[1]) else { return .error("ERR Protocol version is not an integer or out of range") }
            guard let parsed = RESPProtocolVersion(rawValue: requested) else { return .error("NOPROTO unsupported protocol version") }
            version = parsed
            index = 2
        }
        var newName: String?
        var authenticateAs: (String, String)?
        while index < arguments.count {
            let option = arguments[index].lowercased()
            if option == "auth", index + 2 < arguments.count {
                authenticateAs = (arguments[index + 1], arguments[index + 2])
                index += 3
            } else if option == "setname", index + 1 < arguments.count {
                newName = arguments[index + 1]
                index += 2
            } else {
                return .error("ERR Syntax error in HELLO option '\(arguments[index])'")
            }
        }
        if let (user, password) = authenticateAs {
            guard checkPassword(user: user, password: password) else { return .error(Self.wrongPass) }
            client.authenticated = true
        }
        if requiresPassword && !client.authenticated {
            return .error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
        }
        if let newName {
            guard Self.validClientName(newName) else { return .error("ERR Client names cannot contain spaces, newlines or special characters.") }
            client.name = newName
        }
        client.protocolVersion = version
        return .reply(.map([
            .bulk("server"), .bulk("redis"), .bulk("version"), .bulk(ServerInfo.redisVersion),
            .bulk("proto"), .integer(Int64(version.rawValue)), .bulk("id"), .integer(client.id),
            .bulk("mode"), .bulk("sentinel"), .bulk("modules"), .array([]),
        ]))
    }

    static func validClientName(_ name: String) -> Bool {
        name.utf8.allSatisfy { $0 > 32 && $0 < 127 }
    }

    func clientCommand(_ arguments: [String], client: ClientRecord) -> CommandResult {
        let now = NIODeadline.now()
        switch arguments[1].lowercased() {
        case "id":
            return .reply(.integer(client.id))
        case "getname":
            return .reply(client.name.isEmpty ? .null : .bulk(client.name))
        case "setname":
            guard Self.validClientName(arguments[2]) || arguments[2].isEmpty else {
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
            close(victim, requester: client)
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
            case "user": victims = victims.filter { _ in value == "default" }
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
        for victim in victims { close(victim, requester: client) }
        return .reply(.integer(Int64(victims.count)))
    }

    /// Closes a client; the requester itself is closed after its reply is written.
    private func close(_ victim: ClientRecord, requester: ClientRecord) {
        if victim.id == requester.id {
            victim.closeRequested = true
        } else {
            victim.channel.close(promise: nil)
        }
    }

    func command(_ arguments: [String]) -> CommandResult {
        guard arguments.count > 1 else { return .reply(.array(CommandTable.commands.map(CommandTable.info))) }
        let names = arguments.dropFirst(2).map { $0.lowercased() }
        switch arguments[1].lowercased() {
        case "count":
            return .reply(.integer(Int64(CommandTable.commands.count)))
        case "list":
            var all = CommandTable.allNames
            if names.count == 3, names[0] == "filterby" {
                switch names[1] {
                case "pattern": all = all.filter { Glob.matches(arguments[4], $0, caseInsensitive: true) }
                case "aclcat": all = all.filter { name in allSpecs.first { $0.name == name }?.categories.contains("@" + names[2]) ?? false }
                case "module": all = []
                default: return .error("ERR syntax error")
                }
            } else if !names.isEmpty {
                return .error("ERR syntax error")
            }
            return .reply(.array(all.map { .bulk($0) }))
        case "info":
            if names.isEmpty { return .reply(.array(CommandTable.commands.map(CommandTable.info))) }
            return .reply(.array(names.map { name in spec(named: name).map(CommandTable.info) ?? .nullArray }))
        case "docs":
            let specs = names.isEmpty ? CommandTable.commands : names.compactMap(spec(named:))
            return .reply(.map(specs.flatMap { [.bulk($0.name), CommandTable.docs($0)] }))
        default:
            return .reply(.array([
                "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "(no subcommand)",
                "    Return details about all Redis commands.", "COUNT", "    Return the total number of commands in this Redis server.",
                "LIST", "    Return a list of all commands in this Redis server.", "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.", "DOCS [<command-name> ...]",
                "    Return documentation details about multiple Redis commands.", "HELP", "    Print this help.",
            ].map { .simpleString($0) }))
        }
    }

    var allSpecs: [CommandSpec] { CommandTable.commands.flatMap { [$0] + $0.subcommands } }

    func spec(named name: String) -> CommandSpec? { allSpecs.first { $0.name == name } }

    static let aclCategories = [
        "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog", "geo", "stream",
        "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting",
    ]

    func acl(_ arguments: [String]) -> CommandResult {
        switch arguments[1].lowercased() {
        case "whoami":
            return .reply(.bulk("default"))
        case "cat":
            guard arguments.count > 2 else { return .reply(.array(Self.aclCategories.map { .bulk($0) })) }
            let category = arguments[2].lowercased()
            guard Self.aclCategories.contains(category) else { return .error("ERR Unknown category '\(arguments[2])'") }
            return .reply(.array(allSpecs.filter { $0.categories.contains("@" + category) }.map { .bulk($0.name) }))
        default:
            return .reply(.array([
                "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "CAT [<category>]",
                "    List all commands that belong to <category>, or all command categories", "    when no category is specified.",
                "WHOAMI", "    Return the current connection username.", "HELP", "    Print this help.",
            ].map { .simpleString($0) }))
        }
    }
}
