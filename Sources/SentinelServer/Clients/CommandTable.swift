import RESP

/// The commands Vigil serves, as COMMAND describes them; arity checks and COMMAND COUNT/LIST/INFO/DOCS
/// are all derived from this one table.
struct CommandSpec: Sendable {
    var name: String
    /// Redis's arity: positive is exact, negative is "at least".
    var arity: Int
    var flags: [String]
    var categories: [String]
    var tips: [String] = []
    var summary: String
    var subcommands: [CommandSpec] = []

    func accepts(_ count: Int) -> Bool { arity >= 0 ? count == arity : count >= -arity }

    func subcommand(_ name: String) -> CommandSpec? {
        // Built once, not once per subcommand compared.
        let wanted = "\(self.name)|\(name.lowercased())"
        return subcommands.first { $0.name == wanted }
    }
}

enum CommandTable {
    static func sub(_ parent: String, _ name: String, _ arity: Int, _ flags: [String], _ categories: [String], _ summary: String) -> CommandSpec {
        CommandSpec(name: "\(parent)|\(name)", arity: arity, flags: flags, categories: categories, summary: summary)
    }

    static let sentinelSubcommands: [(String, Int, String)] = [
        ("ckquorum", 3, "Checks for a Redis Sentinel quorum."),
        ("config", -3, "Configures Redis Sentinel."),
        ("debug", -2, "Lists or updates the current configurable parameters of Redis Sentinel."),
        ("failover", -3, "Forces a Redis Sentinel failover."),
        ("flushconfig", 2, "Rewrites the Redis Sentinel configuration file."),
        ("get-master-addr-by-name", 3, "Returns the port and address of a master Redis instance."),
        ("get-primary-addr-by-name", 3, "Returns the port and address of a primary Redis instance."),
        ("help", 2, "Returns helpful text about the different subcommands."),
        ("info-cache", -3, "Returns the cached `INFO` replies from the deployment's instances."),
        ("is-master-down-by-addr", 6, "Determines whether a master Redis instance is down."),
        ("is-primary-down-by-addr", 6, "Determines whether a primary Redis instance is down."),
        ("master", 3, "Returns the state of a master Redis instance."),
        ("masters", 2, "Returns a list of monitored Redis masters."),
        ("monitor", 6, "Starts monitoring."),
        ("myid", 2, "Returns the Redis Sentinel instance ID."),
        ("pending-scripts", 2, "Returns information about pending scripts for Redis Sentinel."),
        ("primaries", 2, "Returns a list of monitored Redis primaries."),
        ("primary", 3, "Returns the state of a primary Redis instance."),
        ("remove", 3, "Stops monitoring."),
        ("replicas", 3, "Returns a list of the monitored Redis replicas."),
        ("reset", 3, "Resets Redis masters by name matching a pattern."),
        ("sentinels", 3, "Returns a list of Sentinel instances."),
        ("set", -5, "Changes the configuration of a monitored Redis master."),
        ("simulate-failure", -3, "Simulates failover scenarios."),
        ("slaves", 3, "Returns a list of the monitored replicas."),
    ]

    static let commands: [CommandSpec] = [
        CommandSpec(name: "acl", arity: -2, flags: [], categories: ["@slow"], summary: "A container for Access List Control commands.",
                    subcommands: [
                        sub("acl", "cat", -2, ["noscript", "loading", "stale"], ["@slow"], "Lists the ACL categories, or the commands inside a category."),
                        sub("acl", "deluser", -3, ["admin", "noscript", "loading", "stale"], ["@admin", "@slow", "@dangerous"], "Deletes ACL users, and terminates their connections."),
                        sub("acl", "dryrun", -4, ["admin", "noscript", "loading", "stale"], ["@admin", "@slow", "@dangerous"], "Simulates the execution of a command by a user, without executing the command."),
                        sub("acl", "genpass", -2, ["noscript", "loading", "stale"], ["@slow"], "Generates a pseudorandom, secure password that can be used to identify ACL users."),
                        sub("acl", "getuser", 3, ["admin", "noscript", "loading", "stale"], ["@admin", "@slow", "@dangerous"], "Lists the ACL rules of a user."),
                        sub("acl", "help", 2, ["loading", "stale"], ["@slow"], "Returns helpful text about the different subcommands."),
                        sub("acl", "list", 2, ["admin", "noscript", "loading", "stale"], ["@admin", "@slow", "@dangerous"], "Dumps the effective rules in ACL file format."),
                        sub("acl", "load", 2, ["admin", "noscript", "loading", "stale"], ["@admin", "@slow", "@dangerous"], "Reloads the rules from the configured ACL file."),
                        sub("acl", "log", -2, ["admin", "noscript", "loading", "stale"], ["@admin", "@slow", "@dangerous"], "Lists recent security events generated due to ACL rules."),
                        sub("acl", "save", 2, ["admin", "noscript", "loading", "stale"], ["@admin", "@slow", "@dangerous"], "Saves the effective ACL rules in the configured ACL file."),
                        sub("acl", "setuser", -3, ["admin", "noscript", "loading", "stale"], ["@admin", "@slow", "@dangerous"], "Creates and modifies an ACL user and its rules."),
                        sub("acl", "users", 2, ["admin", "noscript", "loading", "stale"], ["@admin", "@slow", "@dangerous"], "Lists all ACL users."),
                        sub("acl", "whoami", 2, ["noscript", "loading", "stale"], ["@slow"], "Returns the authenticated username of the current connection."),
                    ]),
        CommandSpec(name: "auth", arity: -2, flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
                    categories: ["@fast", "@connection"], summary: "Authenticates the connection."),
        CommandSpec(name: "client", arity: -2, flags: [], categories: ["@slow"], summary: "A container for client connection commands.",
                    subcommands: [
                        sub("client", "getname", 2, ["noscript", "loading", "stale"], ["@slow", "@connection"], "Returns the name of the connection."),
                        sub("client", "help", 2, ["loading", "stale"], ["@slow", "@connection"], "Returns helpful text about the different subcommands."),
                        sub("client", "id", 2, ["noscript", "loading", "stale"], ["@slow", "@connection"], "Returns the unique client ID of the connection."),
                        sub("client", "info", 2, ["noscript", "loading", "stale"], ["@slow", "@connection"], "Returns information about the connection."),
                        sub("client", "kill", -3, ["admin", "noscript", "loading", "stale"], ["@admin", "@slow", "@dangerous", "@connection"], "Terminates open connections."),
                        sub("client", "list", -2, ["admin", "noscript", "loading", "stale"], ["@admin", "@slow", "@dangerous", "@connection"], "Lists open connections."),
                        sub("client", "setinfo", 4, ["noscript", "loading", "stale"], ["@slow", "@connection"], "Sets information specific to the client or connection."),
                        sub("client", "setname", 3, ["noscript", "loading", "stale"], ["@slow", "@connection"], "Sets the connection name."),
                    ]),
        CommandSpec(name: "command", arity: -1, flags: ["loading", "stale"], categories: ["@slow", "@connection"],
                    tips: ["nondeterministic_output_order"], summary: "Returns detailed information about all commands.",
                    subcommands: [
                        sub("command", "count", 2, ["loading", "stale"], ["@slow", "@connection"], "Returns a count of commands."),
                        sub("command", "docs", -2, ["loading", "stale"], ["@slow", "@connection"], "Returns documentary information about one, multiple or all commands."),
                        sub("command", "help", 2, ["loading", "stale"], ["@slow", "@connection"], "Returns helpful text about the different subcommands."),
                        sub("command", "info", -2, ["loading", "stale"], ["@slow", "@connection"], "Returns information about one, multiple or all commands."),
                        sub("command", "list", -2, ["loading", "stale"], ["@slow", "@connection"], "Returns a list of command names."),
                    ]),
        CommandSpec(name: "hello", arity: -1, flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
                    categories: ["@fast", "@connection"], summary: "Handshakes with the Redis server."),
        CommandSpec(name: "info", arity: -1, flags: ["loading", "stale"], categories: ["@slow", "@dangerous"],
                    tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
                    summary: "Returns information and statistics about the server."),
        CommandSpec(name: "ping", arity: -1, flags: ["fast"], categories: ["@fast", "@connection"],
                    tips: ["request_policy:all_shards", "response_policy:all_succeeded"], summary: "Returns the server's liveliness response."),
        CommandSpec(name: "psubscribe", arity: -2, flags: ["pubsub", "noscript", "loading", "stale"], categories: ["@pubsub", "@slow"],
                    summary: "Listens for messages published to channels that match one or more patterns."),
        CommandSpec(name: "publish", arity: 3, flags: ["pubsub", "loading", "stale", "fast"], categories: ["@pubsub", "@fast"],
                    summary: "Posts a message to a channel."),
        CommandSpec(name: "punsubscribe", arity: -1, flags: ["pubsub", "noscript", "loading", "stale"], categories: ["@pubsub", "@slow"],
                    summary: "Stops listening to messages published to channels that match one or more patterns."),
        CommandSpec(name: "role", arity: 1, flags: ["noscript", "loading", "stale", "fast"], categories: ["@admin", "@fast", "@dangerous"],
                    summary: "Returns the replication role."),
        CommandSpec(name: "sentinel", arity: -2, flags: ["admin"], categories: ["@admin", "@slow", "@dangerous"],
                    summary: "A container for Redis Sentinel commands.",
                    subcommands: sentinelSubcommands.map { sub("sentinel", $0.0, $0.1, ["admin"], ["@admin", "@slow", "@dangerous"], $0.2) }),
        CommandSpec(name: "shutdown", arity: -1, flags: ["admin", "noscript", "loading", "stale", "no_multi", "allow_busy"],
                    categories: ["@admin", "@slow", "@dangerous"], summary: "Synchronously saves the database(s) to disk and shuts down the Redis server."),
        CommandSpec(name: "subscribe", arity: -2, flags: ["pubsub", "noscript", "loading", "stale"], categories: ["@pubsub", "@slow"],
                    summary: "Listens for messages published to channels."),
        CommandSpec(name: "unsubscribe", arity: -1, flags: ["pubsub", "noscript", "loading", "stale"], categories: ["@pubsub", "@slow"],
                    summary: "Stops listening to messages posted to channels."),
    ]

    static func lookup(_ name: String) -> CommandSpec? {
        let lower = name.lowercased()
        return commands.first { $0.name == lower }
    }

    /// Every name COMMAND LIST shows: each command and each subcommand.
    static var allNames: [String] { commands.flatMap { [$0.name] + $0.subcommands.map(\.name) } }

    static func info(_ spec: CommandSpec) -> RESPValue {
        .array([
            .bulk(spec.name), .integer(Int64(spec.arity)), .set(spec.flags.map { .simpleString($0) }),
            .integer(0), .integer(0), .integer(0),
            .set(spec.categories.map { .simpleString($0) }), .array(spec.tips.map { .bulk($0) }), .array([]),
            .array(spec.subcommands.map(info)),
        ])
    }

    static func docs(_ spec: CommandSpec) -> RESPValue {
        var fields: [RESPValue] = [.bulk("summary"), .bulk(spec.summary), .bulk("since"), .bulk("1.0.0"),
                                          .bulk("group"), .bulk(spec.name.hasPrefix("sentinel") ? "sentinel" : "server")]
        if !spec.subcommands.isEmpty {
            fields += [.bulk("subcommands"), .map(spec.subcommands.flatMap { [.bulk($0.name), docs($0)] })]
        }
        return .map(fields)
    }
}

extension CommandTable {
    static let aclCategories = [
        "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog", "geo", "stream",
        "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting",
    ]

    static let allSpecs: [CommandSpec] = commands.flatMap { [$0] + $0.subcommands }

    static func spec(named name: String) -> CommandSpec? { allSpecs.first { $0.name == name } }

    /// `ping`, `sentinel`, `sentinel|failover`: names ACL rules may use.
    static func isKnownCommand(_ name: String) -> Bool {
        let parts = name.split(separator: "|", maxSplits: 1).map(String.init)
        guard let spec = lookup(parts[0]) else { return false }
        return parts.count == 1 || spec.subcommand(parts[1]) != nil
    }

    /// Redis 7.0's text: the name, then up to the first arguments, each quoted and cut at 128 bytes.
    static func unknownCommand(_ arguments: [String]) -> String {
        var text = "ERR unknown command '\(truncated(arguments[0]))', with args beginning with: "
        for argument in arguments.dropFirst() where text.utf8.count < 128 {
            text += "'\(truncated(argument))' "
        }
        return text
    }

    static func truncated(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        return clean.utf8.count <= 128 ? clean : String(decoding: clean.utf8.prefix(128), as: UTF8.self)
    }
}
