import SentinelCore

/// One ACL user, as Redis keeps it: on/off, password hashes (never the passwords), the commands it
/// may run (rules applied in order, the last that matches decides), and the pub/sub channels it may
/// use. Key patterns are kept for the config file only: a sentinel has no keyspace.
struct ACLUser: Equatable {
    var name: String
    var enabled = false
    var noPass = false
    var passwordHashes: [String] = []
    /// Normalised rules: `+@all`, `-@all`, `+@admin`, `-sentinel|failover`, `+ping`, ...
    var commandRules: [String] = []
    var allChannels = false
    var channelPatterns: [String] = []
    var allKeys = false
    var keyPatterns: [String] = []

    init(name: String) { self.name = name }

    /// The one rule error Redis echoes with the rule (it holds no password).
    static let unknownName = "Unknown command or category name in ACL"

    /// `user default on nopass ~* &* +@all`, or with the requirepass hash when one is set.
    static func defaultUser(requirepass: String?) -> ACLUser {
        var user = ACLUser(name: "default")
        user.enabled = true
        user.allKeys = true
        user.allChannels = true
        user.commandRules = ["+@all"]
        if let requirepass {
            user.passwordHashes = [SHA256.hex(of: Array(requirepass.utf8))]
        } else {
            user.noPass = true
        }
        return user
    }

    func accepts(password: String) -> Bool {
        enabled && (noPass || passwordHashes.contains(SHA256.hex(of: Array(password.utf8))))
    }

    /// Whether the command `spec` (a subcommand spec when there is one; `topName` its container) may run.
    func mayRun(_ spec: CommandSpec, topName: String) -> Bool {
        var allowed = false
        for rule in commandRules {
            let allow = rule.hasPrefix("+")
            let target = String(rule.dropFirst())
            let matches: Bool
            if target == "@all" {
                matches = true
            } else if target.hasPrefix("@") {
                matches = spec.categories.contains(target)
            } else {
                matches = target == spec.name || target == topName
            }
            if matches { allowed = allow }
        }
        return allowed
    }

    /// SUBSCRIBE needs each channel to match a pattern; PSUBSCRIBE needs each pattern to be one
    /// of the user's patterns literally (as Redis checks).
    func mayUse(channels: [String], asPatterns: Bool) -> Bool {
        if allChannels { return true }
        return channels.allSatisfy { channel in
            asPatterns ? channelPatterns.contains(channel) : channelPatterns.contains { Glob.matches($0, channel) }
        }
    }

    /// The rules that rebuild this user, in `ACL LIST` and config-file order.
    var ruleWords: [String] {
        var words = [enabled ? "on" : "off"]
        if noPass { words.append("nopass") }
        words += passwordHashes.map { "#" + $0 }
        if allKeys { words.append("~*") } else { words += keyPatterns.map { "~" + $0 } }
        if allChannels {
            words.append("&*")
        } else {
            words.append("resetchannels")
            words += channelPatterns.map { "&" + $0 }
        }
        words += commandRules.isEmpty ? ["-@all"] : commandRules
        return words
    }

    var listLine: String { (["user", name] + ruleWords).joined(separator: " ") }

    /// Applies one ACL SETUSER modifier; returns Redis's reason when it is not valid.
    mutating func apply(_ modifier: String, knownCommands: (String) -> Bool, knownCategories: Set<String>) -> String? {
        let lower = modifier.lowercased()
        switch lower {
        case "on": enabled = true
        case "off": enabled = false
        case "nopass":
            noPass = true
            passwordHashes = []
        case "resetpass":
            noPass = false
            passwordHashes = []
        case "allkeys", "~*":
            allKeys = true
            keyPatterns = []
        case "resetkeys":
            allKeys = false
            keyPatterns = []
        case "allchannels", "&*":
            allChannels = true
            channelPatterns = []
        case "resetchannels":
            allChannels = false
            channelPatterns = []
        case "allcommands", "+@all": commandRules = ["+@all"]
        case "nocommands", "-@all": commandRules = ["-@all"]
        case "reset":
            self = ACLUser(name: name)
            commandRules = ["-@all"]
        default:
            guard let first = modifier.first else { return "Syntax error" }
            let rest = String(modifier.dropFirst())
            switch first {
            case ">":
                let hash = SHA256.hex(of: Array(rest.utf8))
                if !passwordHashes.contains(hash) { passwordHashes.append(hash) }
                noPass = false
            case "<":
                let hash = SHA256.hex(of: Array(rest.utf8))
                guard passwordHashes.contains(hash) else { return "The password you are trying to remove from the user does not exist" }
                passwordHashes.removeAll { $0 == hash }
            case "#", "!":
                let hash = rest.lowercased()
                guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                    return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
                }
                if first == "#" {
                    if !passwordHashes.contains(hash) { passwordHashes.append(hash) }
                    noPass = false
                } else {
                    guard passwordHashes.contains(hash) else { return "The password you are trying to remove from the user does not exist" }
                    passwordHashes.removeAll { $0 == hash }
                }
            case "~":
                guard !allKeys else { return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns" }
                if !keyPatterns.contains(rest) { keyPatterns.append(rest) }
            case "&":
                guard !allChannels else { return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels" }
                if !channelPatterns.contains(rest) { channelPatterns.append(rest) }
            case "+", "-":
                let target = rest.lowercased()
                let known = target.hasPrefix("@") ? knownCategories.contains(String(target.dropFirst())) : knownCommands(target)
                guard known, !target.isEmpty else { return ACLUser.unknownName }
                commandRules.append(String(first) + target)
            default:
                return "Syntax error"
            }
        }
        return nil
    }
}

/// The users of this Vigil, shared by every connection. Changed by ACL SETUSER/DELUSER; loaded from
/// `requirepass` and the config's `user` lines; written back to the config file on every change.
final class AccessControl {
    private(set) var users: [String: ACLUser] {
        didSet { generation &+= 1 }
    }
    /// Changes with every change of any user: what a connection concluded from the rules before
    /// (`ClientRecord.immediatePermissions`) holds while this stays the same.
    private(set) var generation = 0

    init(requirepass: String?, userLines: [[String]], knownCommands: (String) -> Bool, knownCategories: Set<String>) {
        users = ["default": ACLUser.defaultUser(requirepass: requirepass)]
        for words in userLines {
            guard let name = words.first else { continue }
            var user = users[name] ?? ACLUser(name: name)
            // A broken rule in the file was already refused by the config check; skip it here.
            for modifier in words.dropFirst() { _ = user.apply(modifier, knownCommands: knownCommands, knownCategories: knownCategories) }
            users[name] = user
        }
    }

    /// The users of an aclfile, as `ACLFile` read them.
    init(fileUsers: [String: ACLUser]) {
        users = fileUsers
    }

    /// ACL LOAD: the file's users replace every user.
    func replaceAll(with fileUsers: [String: ACLUser]) { users = fileUsers }

    var defaultUser: ACLUser { users["default"]! }

    /// The first `user` line of the config that Redis would refuse, with why.
    static func firstInvalid(_ userLines: [[String]]) -> (words: [String], reason: String)? {
        for words in userLines {
            var user = ACLUser(name: words[0])
            for modifier in words.dropFirst() {
                if let reason = user.apply(modifier, knownCommands: CommandTable.isKnownCommand,
                                           knownCategories: Set(CommandTable.aclCategories)) {
                    return (words, "Error in user declaration '\(words[0])': \(reason)")
                }
            }
        }
        return nil
    }

    /// New connections are logged in as `default` when it is on and needs no password.
    var newConnectionsAreAuthenticated: Bool { defaultUser.enabled && defaultUser.noPass }

    func user(named name: String) -> ACLUser? { users[name] }

    func authenticate(user name: String, password: String) -> Bool {
        users[name]?.accepts(password: password) ?? false
    }

    func set(_ user: ACLUser) { users[user.name] = user }

    /// Takes the users the config file now holds (ACL SETUSER/DELUSER, once written).
    func replaceUsers(with lines: [[String]], requirepass: String?) {
        users = AccessControl(requirepass: requirepass, userLines: lines, knownCommands: CommandTable.isKnownCommand,
                              knownCategories: Set(CommandTable.aclCategories)).users
    }

    func delete(_ name: String) -> Bool { users.removeValue(forKey: name) != nil }

    /// Every user as `user <name> <rules...>`, default first, then by name (ACL LIST and the config file).
    var listLines: [String] { ordered.map(\.listLine) }

    var userDirectives: [[String]] { ordered.map { [$0.name] + $0.ruleWords } }

    private var ordered: [ACLUser] {
        users.values.sorted { ($0.name == "default" ? 0 : 1, $0.name) < ($1.name == "default" ? 0 : 1, $1.name) }
    }
}
