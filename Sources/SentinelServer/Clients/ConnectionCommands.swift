import RESP

/// The connection family: AUTH, HELLO and PING, against the ACL users.
struct ConnectionCommands {
    static let wrongPass = "WRONGPASS invalid username-password pair or user is disabled."

    let access: AccessControl

    /// AUTH [user] password, against the ACL users (`default` when no user is named).
    func auth(_ arguments: [String], client: ClientRecord) -> CommandResult {
        guard arguments.count <= 2 else { return .error("ERR syntax error") }
        if arguments.count == 1 && access.defaultUser.noPass {
            return .error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
        }
        let user = arguments.count == 2 ? arguments[0] : "default"
        guard access.authenticate(user: user, password: arguments.last!) else {
            return .error(Self.wrongPass)
        }
        client.authenticated = true
        client.userName = user
        return .reply(.simpleString("OK"))
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
            guard access.authenticate(user: user, password: password) else { return .error(Self.wrongPass) }
            client.authenticated = true
            client.userName = user
        }
        if !access.newConnectionsAreAuthenticated && !client.authenticated {
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

    /// PING [message]; in RESP2's subscribed context the reply is a `pong` message.
    func ping(_ arguments: [String], client: ClientRecord) -> CommandResult {
        guard arguments.count <= 2 else { return .error("ERR wrong number of arguments for 'ping' command") }
        if client.isSubscribed && client.protocolVersion == .resp2 {
            return .reply(.array([.bulk("pong"), .bulk(arguments.count == 2 ? arguments[1] : "")]))
        }
        return .reply(arguments.count == 2 ? .bulk(arguments[1]) : .simpleString("PONG"))
    }
}
