import Foundation
import NIOCore
import NIOPosix
import SentinelCore
import VigilTestSupport
import VigilTools

/// `vigil doctor <master> --sentinels host:port,... [--max-rpo-seconds S] [--max-rto-seconds S]`:
/// reads the live settings and prints what a failover can lose and how long it takes, with the
/// setting that would improve each. Exits 1 when a bound given is not met or the deployment cannot
/// fail over, 2 on a usage error, 3 when the settings cannot be read.
enum DoctorCommand {
    static let usage = """
        usage: vigil doctor <master-name> --sentinels host:port[,host:port...] [--max-rpo-seconds S] [--max-rto-seconds S]
                            [--timeout MS] [--user U] [--password P] [--node-user U] [--node-password P]

        """

    static func run(_ words: [String]) -> Int32 {
        guard let name = words.first, !name.hasPrefix("--") else { return LookupCommand.fail(usage, code: 2) }
        var sentinels: [Address] = []
        var maxRPO: Double?
        var maxRTO: Double?
        var timeoutMilliseconds: Int64 = 2_000
        var user: String?
        var password: String?
        var nodeUser: String?
        var nodePassword: String?
        var index = 1
        while index < words.count {
            guard index + 1 < words.count else { return LookupCommand.fail(usage, code: 2) }
            let value = words[index + 1]
            switch words[index] {
            case "--sentinels":
                for item in value.split(separator: ",") {
                    guard let address = LookupCommand.parseAddress(String(item)) else {
                        return LookupCommand.fail("vigil doctor: '\(item)' is not host:port\n", code: 2)
                    }
                    sentinels.append(address)
                }
            case "--max-rpo-seconds", "--max-rto-seconds":
                guard let seconds = Double(value), seconds >= 0 else {
                    return LookupCommand.fail("vigil doctor: \(words[index]) takes a number of seconds\n", code: 2)
                }
                if words[index] == "--max-rpo-seconds" { maxRPO = seconds } else { maxRTO = seconds }
            case "--timeout":
                guard let parsed = Int64(value), parsed > 0, parsed <= 60_000 else {
                    return LookupCommand.fail("vigil doctor: --timeout takes milliseconds between 1 and 60000\n", code: 2)
                }
                timeoutMilliseconds = parsed
            case "--user": user = value
            case "--password": password = value
            case "--node-user": nodeUser = value
            case "--node-password": nodePassword = value
            default: return LookupCommand.fail(usage, code: 2)
            }
            index += 2
        }
        guard !sentinels.isEmpty else { return LookupCommand.fail("vigil doctor: --sentinels is required\n" + usage, code: 2) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let facts: DeploymentReview.Facts
        do {
            facts = try DeploymentProbe.gather(
                master: name, sentinels: sentinels, sentinelCredentials: password.map { .init(user: user, password: $0) },
                nodeCredentials: nodePassword.map { .init(user: nodeUser, password: $0) }, timeout: .milliseconds(timeoutMilliseconds), group: group)
        } catch {
            return LookupCommand.fail("vigil doctor: \(error)\n", code: 3)
        }
        let report = DeploymentReview.review(facts)
        print(render(facts, report))
        var failed: [String] = []
        if report.cannotFailOver { failed.append("this deployment cannot fail over") }
        if let maxRPO {
            if let rpo = report.rpoSeconds {
                if rpo > maxRPO { failed.append("RPO \(format(rpo)) s is above --max-rpo-seconds \(format(maxRPO))") }
            } else {
                failed.append("RPO is unbounded, above --max-rpo-seconds \(format(maxRPO))")
            }
        }
        if let maxRTO, let rto = report.rtoSeconds, rto > maxRTO {
            failed.append("RTO \(format(rto)) s is above --max-rto-seconds \(format(maxRTO))")
        }
        guard failed.isEmpty else { return LookupCommand.fail("vigil doctor: " + failed.joined(separator: "; ") + "\n", code: 1) }
        return 0
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }

    static func render(_ facts: DeploymentReview.Facts, _ report: DeploymentReview.Report) -> String {
        var lines = [
            "\(facts.masterName): master \(facts.master.address), \(facts.replicas.count) replica(s), "
                + "\(max(facts.knownSentinels, facts.sentinels.count)) sentinel(s), quorum \(facts.sentinels.map(\.quorum).max() ?? 0)",
            "",
            "RPO (acknowledged writes a failover can lose): " + (report.rpoSeconds.map { "up to about \(format($0)) s of writes" } ?? "unbounded"),
        ]
        for area in [DeploymentReview.Finding.Area.rpo, .rto, .availability] {
            if area == .rto {
                lines += ["", "RTO (until clients write again): " + (report.rtoSeconds.map { "about \(format($0)) s" } ?? "no failover possible")]
            }
            if area == .availability {
                lines += ["", "Availability:"]
            }
            let findings = report.findings.filter { $0.area == area }
            if area == .availability && findings.isEmpty { lines.append("  - nothing to report") }
            for finding in findings { lines.append("  - [\(finding.setting)] \(finding)") }
        }
        return lines.joined(separator: "\n")
    }
}
