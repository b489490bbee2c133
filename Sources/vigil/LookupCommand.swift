import Foundation
import NIOCore
import NIOPosix
import SentinelCore
import VigilTestSupport
import VigilTools

/// `vigil lookup <master> --sentinels host:port,... [--timeout ms] [--user U] [--password P]`:
/// asks every sentinel, prints `host port` agreed by a majority, exits 1 (with why on stderr) when
/// they disagree or too few answer, 2 on a usage error.
enum LookupCommand {
    static let usage = "usage: vigil lookup <master-name> --sentinels host:port[,host:port...] [--timeout MS] [--user USER] [--password PASSWORD]\n"

    static func run(_ words: [String]) -> Int32 {
        guard let name = words.first, !name.hasPrefix("--") else { return fail(usage, code: 2) }
        var sentinels: [Address] = []
        var timeoutMilliseconds: Int64 = 1_000
        var user: String?
        var password = ProcessInfo.processInfo.environment["VIGIL_SENTINEL_PASSWORD"]
        var index = 1
        while index < words.count {
            guard index + 1 < words.count else { return fail(usage, code: 2) }
            let value = words[index + 1]
            switch words[index] {
            case "--sentinels":
                for item in value.split(separator: ",") {
                    guard let address = parseAddress(String(item)) else {
                        return fail("vigil lookup: '\(item)' is not host:port\n", code: 2)
                    }
                    sentinels.append(address)
                }
            case "--timeout":
                guard let parsed = Int64(value), parsed > 0, parsed <= 60_000 else {
                    return fail("vigil lookup: --timeout takes milliseconds between 1 and 60000\n", code: 2)
                }
                timeoutMilliseconds = parsed
            case "--user": user = value
            case "--password": password = value
            default: return fail(usage, code: 2)
            }
            index += 2
        }
        guard !sentinels.isEmpty else { return fail("vigil lookup: --sentinels is required\n" + usage, code: 2) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let credentials = password.map { SentinelQuery.Credentials(user: user, password: $0) }
        // One at a time, each with its own deadline: a handful of sentinels, so the worst case is
        // the number of sentinels times the timeout.
        let answers = sentinels.map { sentinel in
            MasterLookup.Answer(
                sentinel: sentinel.description,
                outcome: SentinelQuery.askMaster(
                    named: name, at: sentinel, credentials: credentials, timeout: .milliseconds(timeoutMilliseconds), group: group))
        }
        switch MasterLookup.decide(answers) {
        case .agreed(let address, let epoch, let votes):
            print("\(address.host) \(address.port)")
            if votes < sentinels.count {
                FileHandle.standardError.write(Data("vigil lookup: \(votes) of \(sentinels.count) sentinels agree (config epoch \(epoch))\n".utf8))
            }
            return 0
        case .failed(let why):
            return fail("vigil lookup: \(name): \(why)\n", code: 1)
        }
    }

    static func parseAddress(_ text: String) -> Address? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : Address(host: host, port: port)
    }

    static func fail(_ message: String, code: Int32) -> Int32 {
        FileHandle.standardError.write(Data(message.utf8))
        return code
    }
}
