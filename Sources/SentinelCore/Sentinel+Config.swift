extension Sentinel {
    /// The parameters of SENTINEL CONFIG, in the order GET lists them.
    static let configParameters = [
        "resolve-hostnames", "announce-hostnames", "announce-ip", "announce-port", "sentinel-user", "sentinel-pass", "loglevel",
    ]
    static let configUsage = Reply.error(
        "ERR Only SENTINEL CONFIG GET <param> [<param> <param> ...] / SET <param> <value> [<param> <value> ...] are supported.")

    /// `SENTINEL CONFIG GET <pattern>...` and the atomic, variadic `SENTINEL CONFIG SET <p> <v>...` of 7.2.
    mutating func config(_ args: [String]) -> CommandOutcome {
        guard let verb = args.first?.lowercased(), args.count >= 2 else { return CommandOutcome(reply: Sentinel.configUsage) }
        switch verb {
        case "get": return CommandOutcome(reply: configGet(Array(args.dropFirst())))
        case "set": return configSet(Array(args.dropFirst()))
        default: return CommandOutcome(reply: Sentinel.configUsage)
        }
    }

    func configValue(_ parameter: String) -> String {
        switch parameter {
        case "resolve-hostnames": return settings.resolveHostnames ? "yes" : "no"
        case "announce-hostnames": return settings.announceHostnames ? "yes" : "no"
        case "announce-ip": return settings.announceIP ?? ""
        case "announce-port": return String(settings.announcePort)
        case "sentinel-user": return settings.sentinelUser ?? ""
        case "sentinel-pass": return settings.sentinelPass ?? ""
        case "loglevel": return settings.loglevel.name
        default: return ""
        }
    }

    func configGet(_ patterns: [String]) -> Reply {
        var pairs: [(String, Reply)] = []
        for parameter in Sentinel.configParameters
        where patterns.contains(where: { Glob.matches($0, parameter, caseInsensitive: true) }) {
            pairs.append((parameter, .bulk(configValue(parameter))))
        }
        return .fields(pairs)
    }

    /// Validates every pair before applying any, so a bad pair changes nothing.
    mutating func configSet(_ args: [String]) -> CommandOutcome {
        var changes: [(String, String)] = []
        var index = 0
        while index < args.count {
            let parameter = args[index].lowercased()
            guard Sentinel.configParameters.contains(parameter) else {
                return CommandOutcome(reply: .error("ERR Invalid argument '\(ValueRules.oneLine(args[index]))' to SENTINEL CONFIG SET"))
            }
            guard index + 1 < args.count else {
                return CommandOutcome(reply: .error("ERR Missing argument '\(ValueRules.oneLine(args[index]))' value"))
            }
            guard !changes.contains(where: { $0.0 == parameter }) else {
                return CommandOutcome(reply: .error("ERR Duplicate argument '\(ValueRules.oneLine(args[index]))' to SENTINEL CONFIG SET"))
            }
            let value = args[index + 1]
            guard Sentinel.isValidConfigValue(parameter, value) else {
                return CommandOutcome(reply: .error(
                    "ERR Invalid value '\(ValueRules.oneLine(value))' to SENTINEL CONFIG SET '\(ValueRules.oneLine(args[index]))'"))
            }
            changes.append((parameter, value))
            index += 2
        }
        var effects: [Effect] = []
        for (parameter, value) in changes { applyConfig(parameter, value, into: &effects) }
        effects.append(.persistConfig)
        return CommandOutcome(reply: .ok, effects: effects, replyRequiresPersist: true)
    }

    static func isValidConfigValue(_ parameter: String, _ value: String) -> Bool {
        switch parameter {
        case "resolve-hostnames", "announce-hostnames": return ["yes", "no"].contains(value.lowercased())
        case "announce-port": return Int(value).map { (0...65535).contains($0) } ?? false
        case "loglevel": return LogLevel(name: value) != nil
        // Redis takes any string. The announced address travels in every hello, split on commas, and
        // the credentials in the config file: an address must be one, and no value may break a line.
        case "announce-ip": return value.isEmpty || ValueRules.isHost(value, hostnamesAllowed: true)
        case "sentinel-user", "sentinel-pass": return !ValueRules.hasLineBreakOrNul(value)
        default: return true
        }
    }

    mutating func applyConfig(_ parameter: String, _ value: String, into effects: inout [Effect]) {
        let optional: String? = value.isEmpty ? nil : value
        switch parameter {
        case "resolve-hostnames": settings.resolveHostnames = value.lowercased() == "yes"
        case "announce-hostnames": settings.announceHostnames = value.lowercased() == "yes"
        case "announce-ip": settings.announceIP = optional
        case "announce-port": settings.announcePort = Int(value) ?? 0
        case "loglevel": settings.loglevel = LogLevel(name: value) ?? settings.loglevel
        case "sentinel-user", "sentinel-pass":
            if parameter == "sentinel-user" { settings.sentinelUser = optional } else { settings.sentinelPass = optional }
            // Peers are reached with the new credentials through new connections (each shared
            // link closes once: the other masters' entries find it closed).
            for master in masters {
                for peer in master.sentinels {
                    if let runID = peer.instance.runID { closeLinks(of: ref(master.name, .sentinel(runID)), into: &effects) }
                }
            }
        default:
            break
        }
    }
}
