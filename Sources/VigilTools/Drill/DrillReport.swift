import Foundation
import SentinelCore

/// How a drill is shown: a timeline table for the terminal, a JSON file for tools, and a
/// self-contained HTML page (inline CSS and SVG, nothing fetched) with the phases and every write.
public enum DrillReport {
    static let labels: [DrillMilestone: String] = [
        .subjectivelyDown: "SDOWN (+sdown)", .objectivelyDown: "ODOWN (+odown)", .elected: "leader elected",
        .promoted: "replica promoted", .switched: "+switch-master", .firstWrite: "first write on the new master",
    ]

    /// The colours of the chart; the screenshot test looks for them.
    static let phaseColours: [DrillMilestone: String] = [
        .subjectivelyDown: "#6b46c1", .objectivelyDown: "#d69e2e", .elected: "#dd6b20",
        .promoted: "#3182ce", .switched: "#319795", .firstWrite: "#38a169",
    ]
    static let acknowledgedOnOldMaster = "#2f855a"
    static let acknowledgedOnNewMaster = "#2b6cb0"
    static let failedWrite = "#c53030"
    static let lostWrite = "#b7791f"

    public static func text(_ result: DrillResult) -> String {
        let timeline = result.timeline
        var lines = ["\(result.disruption.rawValue) drill of \(result.masterName) (was \(timeline.oldMaster), \(result.sentinels.count) sentinels, \(result.writesPerSecond) writes/s)"]
        lines.append(pad("milestone", 32) + "ms after the disruption")
        for mark in timeline.marks {
            lines.append(pad(labels[mark.milestone] ?? mark.milestone.rawValue, 32) + (mark.atMilliseconds.map(String.init) ?? "-"))
        }
        lines.append(pad("new master", 32) + timeline.newMaster.description)
        lines.append(pad("RTO (first write, new master)", 32) + (timeline.recoveryMilliseconds.map { "\($0) ms" } ?? "not reached"))
        lines.append(pad("longest gap between writes", 32) + "\(timeline.longestWriteGapMilliseconds) ms")
        lines.append(pad("writes", 32) + "\(timeline.attempted) attempted, \(timeline.acknowledged) acknowledged, \(timeline.failed) failed")
        lines.append(pad("RPO (acknowledged, then lost)", 32) + (result.lostWrites.map { "\($0) writes" } ?? "unknown"))
        if let problem = result.problem { lines.append("problem: \(problem)") }
        return lines.joined(separator: "\n")
    }

    /// Medians and p90 over repeated drills of the same kind.
    public static func summary(_ results: [DrillResult]) -> String {
        var lines = ["\(results.count) \(results.first?.disruption.rawValue ?? "") drills: median and p90 (ms after the disruption)"]
        lines.append(pad("", 32) + pad("median", 10) + pad("p90", 10) + "reached")
        func row(_ label: String, _ values: [Int64]) {
            let median = DrillStatistics.median(values).map(String.init) ?? "-"
            let p90 = DrillStatistics.p90(values).map(String.init) ?? "-"
            lines.append(pad(label, 32) + pad(median, 10) + pad(p90, 10) + "\(values.count)/\(results.count)")
        }
        for milestone in DrillMilestone.allCases {
            row(labels[milestone] ?? milestone.rawValue, results.compactMap { $0.timeline.at(milestone) })
        }
        row("longest gap between writes", results.map { $0.timeline.longestWriteGapMilliseconds })
        row("acknowledged writes lost", results.compactMap { $0.lostWrites.map(Int64.init) })
        return lines.joined(separator: "\n")
    }

    public static func json(_ results: [DrillResult]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(results)
    }

    public static func html(_ results: [DrillResult]) -> String {
        var body = "<h1>Vigil drill: \(escape(results.first?.masterName ?? ""))</h1>\n"
        if results.count > 1 { body += "<pre>\(escape(summary(results)))</pre>\n" }
        for (index, result) in results.enumerated() {
            body += "<section><h2>Drill \(index + 1) of \(results.count): \(result.disruption.rawValue), \(escape(result.startedAt))</h2>\n"
            body += DrillChart(result: result).svg() + "\n"
            body += "<pre>\(escape(text(result)))</pre>\n"
            body += eventTable(result) + "</section>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Vigil drill</title>
            <style>
            body { font-family: sans-serif; margin: 24px; color: #1a202c; background: #ffffff; }
            pre { background: #f7fafc; padding: 12px; border: 1px solid #e2e8f0; }
            table { border-collapse: collapse; font-size: 13px; } td, th { padding: 2px 10px; text-align: left; }
            .legend span { display: inline-block; margin-right: 16px; } .legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
            </style></head><body>
            \(body)</body></html>

            """
    }

    static func eventTable(_ result: DrillResult) -> String {
        var rows = "<details><summary>\(result.events.count) sentinel events</summary><table><tr><th>ms</th><th>sentinel</th><th>event</th><th>detail</th></tr>"
        for event in result.events.sorted(by: { $0.atMilliseconds < $1.atMilliseconds }) {
            rows += "<tr><td>\(event.atMilliseconds)</td><td>\(escape(event.sentinel))</td><td>\(escape(event.name))</td><td>\(escape(event.detail))</td></tr>"
        }
        return rows + "</table></details>\n"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
