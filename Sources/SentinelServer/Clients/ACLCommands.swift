import RESP
import SentinelCore

/// ACL and its subcommands. Without an aclfile, user changes are durable in the config file before
/// they are answered or take effect; with one, they change memory until ACL SAVE, as in Redis.
/// Confined to the server's event loop, like the context that owns it.
final class ACLCommands {
    let access: AccessControl
    let registry: ClientRegistry
    let configuration: ClientServerConfiguration
    let target: any SentinelCommandTarget

    init(access: AccessControl, registry: ClientRegistry, configuration: ClientServerConfiguration, target: any SentinelCommandTarget) {
        self.access = access
        self.registry = registry
        self.configuration = configuration
        self.target = target
    }

    func run(_ arguments: [String], client: ClientRecord) -> CommandResult {
        switch arguments[1].lowercased() {
        case "whoami":
            return .reply(.bulk(client.userName))
        case "cat":
            guard arguments.count > 2 else { return .reply(.array(CommandTable.aclCategories.map { .bulk($0) })) }
            let category = arguments[2].lowercased()
            guard CommandTable.aclCategories.contains(category) else { return .error("ERR Unknown category '\(arguments[2])'") }
            return .reply(.array(CommandTable.allSpecs.filter { $0.categories.contains("@" + category) }.map { .bulk($0.name) }))
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
            if let reason = user.apply(modifier, knownCommands: CommandTable.isKnownCommand, knownCategories: Set(CommandTable.aclCategories)) {
                return .failure(ACLModifierRefused(message: "ERR Error in ACL SETUSER modifier '\(CommandTable.truncated(modifier))': \(reason)"))
            }
        }
        return .success(user)
    }

    func aclDeleteUsersInMemory(_ names: [String], requester: ClientRecord) -> CommandResult {
        let removed = Set(names.filter { access.delete($0) })
        // Connections of a deleted user are closed, as Redis does.
        for victim in registry.ordered where removed.contains(victim.userName) { registry.close(victim, requestedBy: requester) }
        return .reply(.integer(Int64(removed.count)))
    }

    static let usersNotSaved = "ERR Failed to save the users to the config file; nothing changed"

    func aclDeleteUsers(_ names: [String], requester: ClientRecord) -> CommandResult {
        if names.contains("default") { return .error("ERR The 'default' user cannot be removed") }
        if configuration.aclfile != nil { return aclDeleteUsersInMemory(names, requester: requester) }
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
                for victim in self.registry.ordered where gone.contains(victim.userName) { self.registry.close(victim, requestedBy: requester) }
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
            for victim in registry.ordered where victim.userName != "default" { registry.close(victim, requestedBy: requester) }
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
                      knownCommands: CommandTable.isKnownCommand, knownCategories: Set(CommandTable.aclCategories))
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
