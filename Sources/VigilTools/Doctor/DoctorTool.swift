import Foundation
import SentinelCore

/// `vigil doctor`: reads the live settings and prints what a failover can lose and how long it
/// takes, with the setting that would improve each. Exits 1 when a bound given is not met or the
/// deployment cannot fail over, 3 when the settings cannot be read.
public enum DoctorTool {
    public struct Bounds: Sendable {
        public var maxRPOSeconds: Double?
        public var maxRTOSeconds: Double?
        public init(maxRPOSeconds: Double?, maxRTOSeconds: Double?) {
            self.maxRPOSeconds = maxRPOSeconds
            self.maxRTOSeconds = maxRTOSeconds
        }
    }

    public static func run(
        masterName name: String, sentinels: [Address], bounds: Bounds, timeoutMilliseconds: Int64,
        sentinelCredentials: SentinelQuery.Credentials?, nodeCredentials: SentinelQuery.Credentials?
    ) -> Int32 {
        let facts: DeploymentReview.Facts
        do {
            facts = try DeploymentProbe.gather(
                master: name, sentinels: sentinels, sentinelCredentials: sentinelCredentials, nodeCredentials: nodeCredentials,
                timeoutMilliseconds: Int(timeoutMilliseconds))
        } catch {
            return Console.fail("vigil doctor: \(error)\n", code: 3)
        }
        let report = DeploymentReview.review(facts)
        print(render(facts, report))
        let failed = unmetBounds(report, bounds)
        guard failed.isEmpty else { return Console.fail("vigil doctor: " + failed.joined(separator: "; ") + "\n", code: 1) }
        return 0
    }

    static func unmetBounds(_ report: DeploymentReview.Report, _ bounds: Bounds) -> [String] {
        var failed: [String] = []
        if report.cannotFailOver { failed.append("this deployment cannot fail over") }
        if let maxRPO = bounds.maxRPOSeconds {
            if let rpo = report.rpoSeconds {
                if rpo > maxRPO { failed.append("RPO \(format(rpo)) s is above --max-rpo-seconds \(format(maxRPO))") }
            } else {
                failed.append("RPO is unbounded, above --max-rpo-seconds \(format(maxRPO))")
            }
        }
        if let maxRTO = bounds.maxRTOSeconds, let rto = report.rtoSeconds, rto > maxRTO {
            failed.append("RTO \(format(rto)) s is above --max-rto-seconds \(format(maxRTO))")
        }
        return failed
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
