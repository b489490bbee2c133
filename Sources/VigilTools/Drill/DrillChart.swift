import SentinelCore

/// The timeline chart of one drill as inline SVG: a bar per failover phase (from the previous
/// milestone to this one), and a lane of every write the canary client attempted, coloured by
/// what became of it, on one time axis from the warm-up to the end of the drill.
struct DrillChart {
    let result: DrillResult
    let width = 1000.0
    let left = 190.0
    let right = 980.0

    func svg() -> String {
        let writes = result.writes
        let start = Double(-result.warmupMilliseconds)
        let end = Double(max(writes.map(\.atMilliseconds).max() ?? 0, result.timeline.marks.compactMap(\.atMilliseconds).max() ?? 0, 100))
        func x(_ milliseconds: Double) -> Double { left + (milliseconds - start) / (end - start) * (right - left) }
        var parts: [String] = []
        // Phases: each from the milestone before it (or the disruption) to itself.
        var previous = 0.0
        var row = 0
        for mark in result.timeline.marks {
            guard let at = mark.atMilliseconds.map(Double.init) else { continue }
            let y = 30.0 + Double(row) * 24
            let colour = DrillReport.phaseColours[mark.milestone] ?? "#718096"
            let label = DrillReport.labels[mark.milestone] ?? mark.milestone.rawValue
            parts.append(text(label, x: 8, y: y + 14))
            parts.append(rect(x: x(previous), y: y, width: max(x(at) - x(previous), 3), height: 18, fill: colour, title: "\(label): \(Int(previous))-\(Int(at)) ms"))
            parts.append(text("\(Int(at)) ms", x: min(x(at) + 6, right - 50), y: y + 14))
            previous = at
            row += 1
        }
        // Writes: one narrow bar per attempt.
        let lostNumbers = Set(result.lostNumbers.flatMap { $0[0]...$0[1] })
        let writesTop = 40.0 + Double(max(row, 1)) * 24
        parts.append(text("writes (\(result.writesPerSecond)/s)", x: 8, y: writesTop + 22))
        parts.append(text("acknowledged, then lost", x: 8, y: writesTop + 58))
        for write in writes {
            let colour: String
            if !write.acknowledged {
                colour = DrillReport.failedWrite
            } else if write.node == result.timeline.newMaster && result.timeline.newMaster != result.timeline.oldMaster && write.atMilliseconds >= 0 {
                colour = DrillReport.acknowledgedOnNewMaster
            } else {
                colour = DrillReport.acknowledgedOnOldMaster
            }
            parts.append(rect(x: x(Double(write.atMilliseconds)), y: writesTop, width: 2, height: 34, fill: colour, title: nil))
            if write.acknowledged && lostNumbers.contains(write.number) {
                parts.append(rect(x: x(Double(write.atMilliseconds)), y: writesTop + 44, width: 2, height: 20, fill: DrillReport.lostWrite, title: nil))
            }
        }
        // The disruption line and the time axis.
        let axisY = writesTop + 80
        parts.append("<line x1=\"\(x(0))\" y1=\"20\" x2=\"\(x(0))\" y2=\"\(axisY)\" stroke=\"#1a202c\" stroke-dasharray=\"4 3\"/>")
        parts.append(text("\(result.disruption.rawValue) at 0 ms", x: x(0) + 4, y: 14))
        parts.append("<line x1=\"\(left)\" y1=\"\(axisY)\" x2=\"\(right)\" y2=\"\(axisY)\" stroke=\"#4a5568\"/>")
        for tick in ticks(from: start, to: end) {
            parts.append("<line x1=\"\(x(tick))\" y1=\"\(axisY)\" x2=\"\(x(tick))\" y2=\"\(axisY + 5)\" stroke=\"#4a5568\"/>")
            parts.append(text("\(Int(tick))", x: x(tick) - 12, y: axisY + 18))
        }
        parts.append(text("ms from the disruption", x: right - 140, y: axisY + 34))
        let height = axisY + 44
        let legend = [("acknowledged by the old master", DrillReport.acknowledgedOnOldMaster), ("acknowledged by the new master", DrillReport.acknowledgedOnNewMaster),
                      ("failed", DrillReport.failedWrite), ("acknowledged, then lost", DrillReport.lostWrite)]
            .map { "<span><i style=\"background:\($0.1)\"></i>\($0.0)</span>" }.joined()
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-size=\"12\">"
            + parts.joined() + "</svg>\n<div class=\"legend\">\(legend)</div>"
    }

    private func ticks(from start: Double, to end: Double) -> [Double] {
        let span = end - start
        let step = [100.0, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000].first { span / $0 <= 12 } ?? 120_000
        var values: [Double] = []
        var tick = (start / step).rounded(.up) * step
        while tick <= end && values.count < 50 {
            values.append(tick)
            tick += step
        }
        return values
    }

    private func rect(x: Double, y: Double, width: Double, height: Double, fill: String, title: String?) -> String {
        let titled = title.map { "<title>\(DrillReport.escape($0))</title>" } ?? ""
        return "<rect x=\"\(rounded(x))\" y=\"\(y)\" width=\"\(rounded(width))\" height=\"\(height)\" fill=\"\(fill)\">\(titled)</rect>"
    }

    private func text(_ content: String, x: Double, y: Double) -> String {
        "<text x=\"\(rounded(x))\" y=\"\(y)\">\(DrillReport.escape(content))</text>"
    }

    private func rounded(_ value: Double) -> String { String(Int(value.rounded())) }
}
