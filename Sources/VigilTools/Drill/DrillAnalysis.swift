import SentinelCore

/// What `vigil drill` observed, and what it concludes: the phases of a failover as the sentinels
/// announced them, the client's recovery time (RTO) and the acknowledged writes missing afterwards
/// (RPO). Pure: the drill's threads record, this decides, so the rules are unit-tested.
public struct DrillWrite: Codable, Hashable, Sendable {
    /// The write's number (its key is the drill's prefix and this number).
    public var number: Int
    /// When the reply (or the failure) came, in milliseconds from the disruption; negative before it.
    public var atMilliseconds: Int64
    /// The node the client wrote to, when it had one.
    public var node: Address?
    public var acknowledged: Bool
    public var error: String?

    public init(number: Int, atMilliseconds: Int64, node: Address?, acknowledged: Bool, error: String? = nil) {
        self.number = number
        self.atMilliseconds = atMilliseconds
        self.node = node
        self.acknowledged = acknowledged
        self.error = error
    }
}

/// One event a sentinel published (`+sdown`, `+switch-master`...), as seen by the drill.
public struct DrillEvent: Codable, Hashable, Sendable {
    public var atMilliseconds: Int64
    public var sentinel: String
    public var name: String
    public var detail: String

    public init(atMilliseconds: Int64, sentinel: String, name: String, detail: String) {
        self.atMilliseconds = atMilliseconds
        self.sentinel = sentinel
        self.name = name
        self.detail = detail
    }
}

/// The milestones of a drill, in the order a failover passes them. Planned switchovers have no
/// SDOWN or ODOWN; a drill without a failover has only what it reached.
public enum DrillMilestone: String, CaseIterable, Codable, Sendable {
    case subjectivelyDown = "sdown"
    case objectivelyDown = "odown"
    case elected = "elected-leader"
    case promoted = "promoted"
    case switched = "switch-master"
    case firstWrite = "first-write"

    /// The event that marks it; the first write is the client's, not a sentinel's.
    var eventName: String? {
        switch self {
        case .subjectivelyDown: "+sdown"
        case .objectivelyDown: "+odown"
        case .elected: "+elected-leader"
        case .promoted: "+promoted-slave"
        case .switched: "+switch-master"
        case .firstWrite: nil
        }
    }
}

public struct DrillTimeline: Codable, Hashable, Sendable {
    public struct Mark: Codable, Hashable, Sendable {
        public var milestone: DrillMilestone
        public var atMilliseconds: Int64?
    }

    public var marks: [Mark]
    public var oldMaster: Address
    /// The master named by the last `+switch-master`, or the old one when no switch was seen.
    public var newMaster: Address
    /// From the disruption to the first acknowledged write on the master clients should now use
    /// (after the first failed write, when no switch happened).
    public var recoveryMilliseconds: Int64?
    /// The longest time between two acknowledged writes from the disruption on: what the client felt.
    public var longestWriteGapMilliseconds: Int64
    public var attempted: Int
    public var acknowledged: Int
    public var failed: Int

    public func at(_ milestone: DrillMilestone) -> Int64? {
        marks.first { $0.milestone == milestone }?.atMilliseconds
    }
}

public enum DrillAnalysis {
    /// Orders what was seen into the timeline of one drill of master `name`.
    public static func timeline(master name: String, oldMaster: Address, events: [DrillEvent], writes: [DrillWrite]) -> DrillTimeline {
        let relevant = events.filter { $0.atMilliseconds >= 0 && concerns($0, master: name) }.sorted { $0.atMilliseconds < $1.atMilliseconds }
        var newMaster = oldMaster
        if let switched = relevant.last(where: { $0.name == "+switch-master" }) {
            let words = switched.detail.split(separator: " ")
            if words.count == 5, let port = Int(words[4]) { newMaster = Address(host: String(words[3]), port: port) }
        }
        let afterDisruption = writes.filter { $0.atMilliseconds >= 0 }.sorted { $0.atMilliseconds < $1.atMilliseconds }
        let switched = newMaster != oldMaster
        // With a switch, recovery is the first write the new master acknowledges (clients may find
        // it a little before +switch-master). Without one, it is the first write after the outage.
        let outageStart = afterDisruption.first { !$0.acknowledged }?.atMilliseconds ?? 0
        let firstWrite = afterDisruption.first {
            $0.acknowledged && $0.node == newMaster && (switched || $0.atMilliseconds >= outageStart)
        }
        let marks = DrillMilestone.allCases.map { milestone -> DrillTimeline.Mark in
            if milestone == .firstWrite { return .init(milestone: milestone, atMilliseconds: firstWrite?.atMilliseconds) }
            let first = relevant.first { $0.name == milestone.eventName && (milestone != .subjectivelyDown || $0.detail.hasPrefix("master ")) }
            return .init(milestone: milestone, atMilliseconds: first?.atMilliseconds)
        }
        var gap: Int64 = 0
        var previous: Int64 = 0
        for write in afterDisruption where write.acknowledged {
            gap = max(gap, write.atMilliseconds - previous)
            previous = write.atMilliseconds
        }
        return DrillTimeline(
            marks: marks, oldMaster: oldMaster, newMaster: newMaster, recoveryMilliseconds: firstWrite?.atMilliseconds,
            longestWriteGapMilliseconds: gap, attempted: writes.count, acknowledged: writes.count { $0.acknowledged },
            failed: writes.count { !$0.acknowledged })
    }

    /// The acknowledged writes whose numbers `present` lacks: the data the failover lost.
    public static func lost(acknowledged: [Int], present: Set<Int>) -> [Int] {
        acknowledged.filter { !present.contains($0) }.sorted()
    }

    /// `[1, 2, 3, 7]` as `[[1, 3], [7, 7]]`: compact enough for a JSON report of thousands of writes.
    public static func ranges(_ numbers: [Int]) -> [[Int]] {
        var result: [[Int]] = []
        for number in numbers.sorted() {
            if let last = result.last, last[1] + 1 == number {
                result[result.count - 1][1] = number
            } else if result.last?[1] != number {
                result.append([number, number])
            }
        }
        return result
    }

    /// An event concerns a master when its detail names it: `master <name> ...` for instance events,
    /// `<name> ...` for `+switch-master`, or a replica line ending `@ <name> <ip> <port>`.
    static func concerns(_ event: DrillEvent, master name: String) -> Bool {
        let words = event.detail.split(separator: " ")
        if words.count >= 2, words[0] == "master", words[1] == name { return true }
        if event.name == "+switch-master" { return words.first.map(String.init) == name }
        if let at = words.firstIndex(of: "@"), at + 1 < words.count { return words[at + 1] == name }
        return false
    }
}

/// Medians and 90th percentiles over repeated drills (nearest rank: an observed value, not an
/// interpolation, so a p90 of 5 trials is the worst of them).
public enum DrillStatistics {
    public static func percentile(_ values: [Int64], _ fraction: Double) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    public static func median(_ values: [Int64]) -> Int64? { percentile(values, 0.5) }
    public static func p90(_ values: [Int64]) -> Int64? { percentile(values, 0.9) }
}
