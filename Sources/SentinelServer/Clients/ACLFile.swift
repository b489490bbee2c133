import Foundation

/// Redis's `aclfile`: one `user <name> <rules...>` line per user. Loaded whole or not at all (at
/// start-up and by ACL LOAD), written whole by ACL SAVE, with Redis's error texts.
enum ACLFile {
    /// The users `text` defines, `default` always among them (on, nopass, all commands when the file
    /// does not name it); or Redis's error report, every error of the file in one line.
    static func parse(_ text: String, filename: String) -> Result<[String: ACLUser], ACLFileError> {
        var users: [String: ACLUser] = [:]
        var errors = ""
        let known = Set(CommandTable.aclCategories)
        // Swift reads "\r\n" as one Character: lines are split on either.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            let line = trim(raw, " \t\r\n")
            if line.isEmpty { continue }
            // Words are split on single spaces; quotes are not special here (Redis 7.0's reader).
            let words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard words[0] == "user", words.count >= 2 else {
                errors += "\(filename):\(number) should start with user keyword followed by the username. "
                continue
            }
            let name = words[1]
            guard users[name] == nil else {
                errors += "WARNING: Duplicate user '\(name)' found on line \(number). "
                continue
            }
            var user = ACLUser(name: name)
            user.commandRules = ["-@all"]
            var reportedSyntax = false
            for word in words.dropFirst(2) {
                let modifier = trim(Substring(word), "\t\r\n")
                guard let reason = user.apply(modifier, knownCommands: CommandTable.isKnownCommand, knownCategories: known) else {
                    continue
                }
                // Unknown names are shown; other errors are not (a rule may hold a password), and only the first.
                if reason == ACLUser.unknownName {
                    errors += "\(filename):\(number): Error in applying operation '\(modifier)': \(reason). "
                } else if !reportedSyntax {
                    errors += "\(filename):\(number): \(reason). "
                    reportedSyntax = true
                }
            }
            users[name] = user
        }
        guard errors.isEmpty else {
            return .failure(ACLFileError(message: errors + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"))
        }
        if users["default"] == nil { users["default"] = ACLUser.defaultUser(requirepass: nil) }
        return .success(users)
    }

    /// Reads and parses the file at `path` (relative to the working directory, as Redis opens it).
    static func load(_ path: String) -> Result<[String: ACLUser], ACLFileError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(ACLFileError(message: "Error loading ACLs, opening file '\(path)': \(ConfigStore.lastError())"))
        }
        close(fd)
        do {
            return parse(try ConfigStore(path: path).read(), filename: path)
        } catch {
            return .failure(ACLFileError(message: "Error loading ACLs, opening file '\(path)': \(error)"))
        }
    }

    /// ACL SAVE's text: every user in name order, as ACL LIST shows it.
    static func render(_ users: [ACLUser]) -> String {
        users.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }.map { $0.listLine + "\n" }.joined()
    }

    /// Strips the given bytes (ASCII only) from both ends, as Redis's sdstrim.
    private static func trim(_ text: Substring, _ characters: String) -> String {
        let strip = Set(characters.unicodeScalars)
        var scalars = text.unicodeScalars[...]
        while let first = scalars.first, strip.contains(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, strip.contains(last) { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}

struct ACLFileError: Error, Equatable {
    var message: String
}
