import RESP
import SentinelCore

/// COMMAND and its subcommands, answered from the command table.
enum CommandIntrospection {
    static func run(_ arguments: [String]) -> CommandResult {
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
                case "aclcat": all = all.filter { name in CommandTable.allSpecs.first { $0.name == name }?.categories.contains("@" + names[2]) ?? false }
                case "module": all = []
                default: return .error("ERR syntax error")
                }
            } else if !names.isEmpty {
                return .error("ERR syntax error")
            }
            return .reply(.array(all.map { .bulk($0) }))
        case "info":
            if names.isEmpty { return .reply(.array(CommandTable.commands.map(CommandTable.info))) }
            return .reply(.array(names.map { name in CommandTable.spec(named: name).map(CommandTable.info) ?? .nullArray }))
        case "docs":
            let specs = names.isEmpty ? CommandTable.commands : names.compactMap(CommandTable.spec(named:))
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

    func spec(named name: String) -> CommandSpec? { CommandTable.allSpecs.first { $0.name == name } }
}
