/// Security directives Vigil does not carry out. Start-up refuses them, naming the line and why,
/// rather than accepting them and doing nothing (issue 12): an operator who wrote one expects it to
/// protect something.
enum RefusedDirectives {
    /// Why `key arguments` is refused, or nil when Vigil does what Redis does with it. A value that
    /// only restates Redis's default is accepted: it asks for nothing Vigil lacks.
    static func refusal(_ key: String, _ arguments: [String]) -> String? {
        let value = arguments.first?.lowercased() ?? ""
        switch key {
        case "rename-command":
            return "rename-command is not supported: Vigil serves its commands under their own names only. "
                + "Remove the line, and deny the command to users with an ACL rule (user <name> ... -<command>) instead."
        case "unixsocket":
            return "unixsocket is not supported: Vigil serves clients over TCP only. Remove the line and connect to port or tls-port."
        case "acl-pubsub-default":
            guard value != "resetchannels" else { return nil }
            guard value == "allchannels" else { return "argument(s) must be one of the following: allchannels, resetchannels" }
            return "acl-pubsub-default allchannels is not supported: new ACL users start with resetchannels in Vigil. "
                + "Grant channels to each user with &<pattern> or allchannels instead."
        case "tls-ciphersuites":
            return "tls-ciphersuites is not supported: Vigil's TLS library (BoringSSL) does not let TLSv1.3 cipher suites be chosen. "
                + "Remove the line, or set tls-protocols TLSv1.2 and choose ciphers with tls-ciphers."
        case "tls-prefer-server-ciphers":
            guard value != "no" else { return nil }
            guard value == "yes" else { return "argument must be 'yes' or 'no'" }
            return "tls-prefer-server-ciphers yes is not supported: Vigil's TLS library offers no way to prefer the server's cipher order. Remove the line."
        case "tls-dh-params-file":
            return "tls-dh-params-file is not supported: Vigil's TLS library (BoringSSL) has no DHE cipher suites, so the parameters would go unused. Remove the line."
        case "bind-source-addr":
            return "bind-source-addr is not supported: Vigil's links to Redis and to other sentinels use the source address the system chooses. Remove the line."
        case "client-query-buffer-limit", "proto-max-bulk-len":
            // Vigil's request parser keeps Redis's defaults (Limits); another value would be ignored.
            let redisDefault: UInt64 = key == "proto-max-bulk-len" ? 512 << 20 : 1 << 30
            guard memoryBytes(value) != redisDefault else { return nil }
            return "\(key) other than Redis's default (\(key == "proto-max-bulk-len" ? "512mb" : "1gb")) is not supported: "
                + "Vigil's request limits are fixed at Redis's defaults. Remove the line."
        case "socket-mark-id":
            guard value != "0" else { return nil }
            return "socket-mark-id is not supported: Vigil does not mark its sockets. Remove the line."
        default:
            return nil
        }
    }

    /// Redis's memory values: a number with an optional unit (b, k, kb, m, mb, g, gb; k is 1000, kb 1024).
    static func memoryBytes(_ text: String) -> UInt64? {
        let lower = text.lowercased()
        let digits = lower.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = UInt64(digits) else { return nil }
        let units: [String: UInt64] = ["": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1_000_000, "mb": 1 << 20, "g": 1_000_000_000, "gb": 1 << 30]
        guard let unit = units[String(lower.dropFirst(digits.count))] else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit)
        return overflow ? nil : bytes
    }
}

/// What an included file may hold. The config rewrite writes the main file only, so an included
/// line must be one the rewrite never has to change: state that a running sentinel updates (its
/// id, epochs, masters and what it learns about them) and ACL users (which ACL SETUSER changes, and
/// which a later line would merge with rather than replace) belong in the main file or the aclfile.
enum IncludedDirectives {
    /// `sentinel` directives an included file may hold: settings, not state.
    static let sentinelSettings: Set<String> = [
        "announce-ip", "announce-port", "deny-scripts-reconfig", "sentinel-user", "sentinel-pass", "resolve-hostnames",
        "announce-hostnames",
    ]

    static func refusal(_ words: [String]) -> String? {
        let key = words[0].lowercased()
        if key == "user" {
            return "user lines cannot be in an included file: ACL SETUSER changes users and the config rewrite writes the main file only. "
                + "Move the line into the main config file, or keep the users in an aclfile."
        }
        if key == "sentinel", words.count > 1, !sentinelSettings.contains(words[1].lowercased()) {
            return "sentinel \(words[1]) cannot be in an included file: the sentinel updates this state at run time and the config rewrite writes the main file only. "
                + "Move the line into the main config file."
        }
        return nil
    }
}
