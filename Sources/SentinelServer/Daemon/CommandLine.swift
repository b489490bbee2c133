/// `vigil /path/sentinel.conf [--directive value ...]`, read as redis-sentinel reads its arguments:
/// every `--name` starts a config line made of it and the words that follow, appended to the file's text.
public struct DaemonArguments: Equatable, Sendable {
    public var configPath: String?
    public var extraConfig: String

    public static func parse(_ words: [String]) -> DaemonArguments {
        var configPath: String?
        var rest = words[...]
        if let first = rest.first, !first.hasPrefix("--") {
            configPath = first
            rest = rest.dropFirst()
        }
        var lines: [String] = []
        var current: [String] = []
        for word in rest {
            if word.hasPrefix("--") {
                if !current.isEmpty { lines.append(current.joined(separator: " ")) }
                let name = String(word.dropFirst(2))
                // `--sentinel` selects sentinel mode in redis-server; Vigil is always a sentinel.
                current = name == "sentinel" ? [] : [name]
            } else {
                current.append(quoted(word))
            }
        }
        if !current.isEmpty { lines.append(current.joined(separator: " ")) }
        return DaemonArguments(configPath: configPath, extraConfig: lines.joined(separator: "\n"))
    }

    /// Arguments may contain spaces; quote them so the config parser reads one word back.
    static func quoted(_ word: String) -> String {
        guard word.isEmpty || word.contains(where: { $0 == " " || $0 == "\"" || $0 == "'" || $0 == "\\" }) else { return word }
        var escaped = "\""
        for character in word {
            if character == "\"" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped + "\""
    }
}
