import NIOCore
import RESP
import SentinelCore

extension ClientServerContext {
    static let wrongPass = "WRONGPASS invalid username-password pair or user is disabled."

    /// AUTH [user] password, against the ACL users (`default` when no user is named).
    func auth(_ arguments: [String], client: ClientRecord) -> CommandResult {
        guard arguments.count <= 2 else { return .error("ERR syntax error") }
        if arguments.count == 1 && access.defaultUser.noPass {
            return .error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
        }
        let user = arguments.count == 2 ? arguments[0] : "default"
        guard checkPassword(user: user, password: arguments.last!) else {
            return .error(Self.wrongPass)
        }
        client.authenticated = true
        client.userName = user
        return .reply(.simpleString("OK"))
    }

    func checkPassword(user: String, password: String) -> Bool {
        access.authenticate(user: user, password: password)
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
            client.userName = user
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

    func acl(_ arguments: [String], client: ClientRecord) -> CommandResult {
        switch arguments[1].lowercased() {
        case "whoami":
            return .reply(.bulk(client.userName))
        case "cat":
            guard arguments.count > 2 else { return .reply(.array(Self.aclCategories.map { .bulk($0) })) }
            let category = arguments[2].lowercased()
            guard Self.aclCategories.contains(category) else { return .error("ERR Unknown category '\(arguments[2])'") }
            return .reply(.array(allSpecs.filter { $0.categories.contains("@" + category) }.map { .bulk($0.name) }))
        case "users":
            return .reply(.array(access.listLines.map { .bulk(String($0.split(separator: " ")[1])) }))
        case "list":
            return .reply(.array(access.listLines.map { .bulk($0) }))
        case "setuser":
            return aclSetUser(name: arguments[2], modifiers: Array(arguments.dropFirst(3)))
        case "deluser":
            return aclDeleteUsers(Array(arguments.dropFirst(2)), requester: client)
        case "getuser":
            guard let user = access.user(named: arguments[2]) else { return .reply(.null) }
            return .reply(Self.describe(user))
        case "genpass":
            var bits = 256
            if arguments.count > 2 {
                guard let asked = Int(arguments[2]), asked > 0, asked <= 4096 else {
                    return .error("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
                }
                bits = asked
            }
            var generator = SystemRandomNumberGenerator()
            let digits = Array("0123456789abcdef")
            return .reply(.bulk(String((0..<((bits + 3) / 4)).map { _ in digits[Int(generator.next() % 16)] })))
        case "dryrun":
            guard arguments.count >= 4, let user = access.user(named: arguments[2]) else {
                return .error("ERR User '\(arguments.count > 2 ? arguments[2] : "")' not found")
            }
            let words = Array(arguments.dropFirst(3))
            guard let spec = CommandTable.lookup(words[0].lowercased()) else { return .error("ERR Command '\(words[0])' not found") }
            let checked = words.count > 1 ? spec.subcommand(words[1]) ?? spec : spec
            guard user.mayRun(checked, topName: spec.name) else {
                return .reply(.bulk("This user has no permissions to run the '\(checked.name)' command"))
            }
            return .reply(.simpleString("OK"))
        case "log":
            return .reply(.array([]))
        case "load", "save":
            guard let aclfile = configuration.aclfile else {
                return .error("ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.")
            }
            return arguments[1].lowercased() == "load" ? aclLoad(aclfile, requester: client) : aclSave(aclfile)
        default:
            return .reply(.array([
                "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "CAT [<category>]",
                "    List all commands that belong to <category>, or all command categories", "    when no category is specified.",
                "DELUSER <username> [<username> ...]", "    Delete a list of users.",
                "DRYRUN <username> <command> [<arg> ...]", "    Returns whether the user can execute the given command without executing the command.",
                "GETUSER <username>", "    Get the user's details.", "GENPASS [<bits>]",
                "    Generate a secure 256-bit user password. The optional `bits` argument can", "    be used to specify a different size.",
                "LIST", "    Show users details in config file format.", "LOAD", "    Reload users from the ACL file.",
                "LOG [<count> | RESET]", "    Show the ACL log entries.", "SAVE", "    Save the current config to the ACL file.",
                "SETUSER <username> <attribute> [<attribute> ...]", "    Create or modify a user with the specified attributes.",
                "USERS", "    List all the registered usernames.",
                "WHOAMI", "    Return the current connection username.", "HELP", "    Print this help.",
            ].map { .simpleString($0) }))
        }
    }

    /// ACL SETUSER: all modifiers apply, or none does; the users reach the config file before the
    /// reply and before anyone can log in with them. The change is worked out in order with every
    /// other change of the users (see SentinelCommandTarget.changeUsers), from the users as those
    /// leave them; `access` takes the new users only once they are durable.
    func aclSetUser(name: String, modifiers: [String]) -> CommandResult {
        if configuration.aclfile != nil { return aclSetUserInMemory(name: name, modifiers: modifiers) }
        guard let target else { return .error("ERR Sentinel is shutting down") }
        var refusal: String?
        var written: [[String]] = []
        return .eventually { done in
            target.changeUsers({ current in
                refusal = nil
                let users = self.usersAsWritten(current)
                switch Self.applying(modifiers, to: users.user(named: name), named: name) {
                case .failure(let error):
                    refusal = error.message
                    return nil
                case .success(let user):
                    users.set(user)
                }
                written = users.userDirectives
                return written
            }, done: { ok in
                if let refusal { return done(.error(refusal)) }
                guard ok else { return done(.error(Self.usersNotSaved)) }
                self.access.replaceUsers(with: written, requirepass: self.configuration.requirepass)
                done(.reply(.simpleString("OK")))
            })
        }
    }

    /// With an aclfile, users change in memory only until ACL SAVE, as in Redis.
    func aclSetUserInMemory(name: String, modifiers: [String]) -> CommandResult {
        switch Self.applying(modifiers, to: access.user(named: name), named: name) {
        case .failure(let error):
            return .error(error.message)
        case .success(let user):
            access.set(user)
            return .reply(.simpleString("OK"))
        }
    }

    struct ACLModifierRefused: Error {
        let message: String
    }

    /// The user after every modifier of one ACL SETUSER, in order, or the error of the first one
    /// refused. A user not yet known starts with no commands, as in Redis.
    static func applying(_ modifiers: [String], to existing: ACLUser?, named name: String) -> Result<ACLUser, ACLModifierRefused> {
        var user = existing ?? {
            var fresh = ACLUser(name: name)
            fresh.commandRules = ["-@all"]
            return fresh
        }()
        for modifier in modifiers {
            if let reason = user.apply(modifier, knownCommands: isKnownCommand, knownCategories: Set(aclCategories)) {
                return .failure(ACLModifierRefused(message: "ERR Error in ACL SETUSER modifier '\(truncated(modifier))': \(reason)"))
            }
        }
        return .success(user)
    }

    func aclDeleteUsersInMemory(_ names: [String], requester: ClientRecord) -> CommandResult {
        let removed = Set(names.filter { access.delete($0) })
        // Connections of a deleted user are closed, as Redis does.
        for victim in registry.ordered where removed.contains(victim.userName) { close(victim, requester: requester) }
        return .reply(.integer(Int64(removed.count)))
    }

    static let usersNotSaved = "ERR Failed to save the users to the config file; nothing changed"

    func aclDeleteUsers(_ names: [String], requester: ClientRecord) -> CommandResult {
        if names.contains("default") { return .error("ERR The 'default' user cannot be removed") }
        if configuration.aclfile != nil { return aclDeleteUsersInMemory(names, requester: requester) }
        guard let target else { return .error("ERR Sentinel is shutting down") }
        var removed: [String] = []
        var written: [[String]] = []
        return .eventually { done in
            target.changeUsers({ current in
                let users = self.usersAsWritten(current)
                removed = names.filter { users.delete($0) }
                written = users.userDirectives
                return removed.isEmpty ? nil : written
            }, done: { ok in
                guard ok else { return done(.error(Self.usersNotSaved)) }
                if !removed.isEmpty { self.access.replaceUsers(with: written, requirepass: self.configuration.requirepass) }
                // Connections of a deleted user are closed, as Redis does.
                let gone = Set(removed)
                for victim in self.registry.ordered where gone.contains(victim.userName) { self.close(victim, requester: requester) }
                done(.reply(.integer(Int64(removed.count))))
            })
        }
    }

    /// ACL LOAD: the whole file or nothing. Every user is rebuilt, so, as in Redis, connections
    /// logged in as any user but `default` are closed (the requester after its reply).
    func aclLoad(_ path: String, requester: ClientRecord) -> CommandResult {
        switch ACLFile.load(path) {
        case .failure(let error):
            return .error("ERR " + error.message)
        case .success(let users):
            access.replaceAll(with: users)
            for victim in registry.ordered where victim.userName != "default" { close(victim, requester: requester) }
            return .reply(.simpleString("OK"))
        }
    }

    /// ACL SAVE: every user to the aclfile, atomically (temp file, fsync, rename).
    func aclSave(_ path: String) -> CommandResult {
        do {
            try ConfigStore(path: path).write(ACLFile.render(Array(access.users.values)))
            return .reply(.simpleString("OK"))
        } catch {
            return .error("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
        }
    }

    /// The users as the config's `user` lines (as every queued change leaves them) make them.
    func usersAsWritten(_ lines: [[String]]) -> AccessControl {
        AccessControl(requirepass: configuration.requirepass, userLines: lines,
                      knownCommands: Self.isKnownCommand, knownCategories: Set(Self.aclCategories))
    }

    /// ACL GETUSER's reply: flags, passwords, commands, keys, channels, selectors.
    static func describe(_ user: ACLUser) -> RESPValue {
        var flags = [user.enabled ? "on" : "off"]
        if user.allKeys { flags.append("allkeys") }
        if user.allChannels { flags.append("allchannels") }
        if user.commandRules == ["+@all"] { flags.append("allcommands") }
        if user.noPass { flags.append("nopass") }
        let keys = user.allKeys ? "~*" : user.keyPatterns.map { "~" + $0 }.joined(separator: " ")
        let channels = user.allChannels ? "&*" : user.channelPatterns.map { "&" + $0 }.joined(separator: " ")
        return .map([
            .bulk("flags"), .array(flags.map { .bulk($0) }),
            .bulk("passwords"), .array(user.passwordHashes.map { .bulk($0) }),
            .bulk("commands"), .bulk(user.commandRules.isEmpty ? "-@all" : user.commandRules.joined(separator: " ")),
            .bulk("keys"), .bulk(keys),
            .bulk("channels"), .bulk(channels),
            .bulk("selectors"), .array([]),
        ])
    }
}
