import SentinelCore

/// `vigil lookup`: decides which master address to print from what several sentinels answered.
/// Clients trust one sentinel; a script deciding where to send writes should trust a majority, and
/// should not act while the sentinels are still spreading a newer configuration.
public enum MasterLookup {
    /// What one sentinel said about the master.
    public struct Answer: Hashable, Sendable {
        public var sentinel: String
        public var outcome: Outcome

        public init(sentinel: String, outcome: Outcome) {
            self.sentinel = sentinel
            self.outcome = outcome
        }
    }

    public enum Outcome: Hashable, Sendable {
        /// The address and the config epoch it was learned in.
        case master(Address, configEpoch: Int64)
        /// The sentinel answered but does not monitor a master of that name.
        case unknownMaster
        /// No answer: refused, timed out, an error reply or a malformed one.
        case failed(String)
    }

    public enum Decision: Hashable, Sendable {
        case agreed(Address, configEpoch: Int64, votes: Int)
        case failed(String)
    }

    /// The address a majority of the `answers` (one per sentinel asked) report, if no sentinel
    /// reports a newer configuration than theirs.
    public static func decide(_ answers: [Answer]) -> Decision {
        let needed = answers.count / 2 + 1
        var groups: [(address: Address, epoch: Int64, sentinels: [String])] = []
        for answer in answers {
            guard case .master(let address, let epoch) = answer.outcome else { continue }
            if let index = groups.firstIndex(where: { $0.address.sameAs(address) && $0.epoch == epoch }) {
                groups[index].sentinels.append(answer.sentinel)
            } else {
                groups.append((address, epoch, [answer.sentinel]))
            }
        }
        let answered = groups.reduce(0) { $0 + $1.sentinels.count }
        let problems = answers.compactMap { answer -> String? in
            switch answer.outcome {
            case .master: return nil
            case .unknownMaster: return "\(answer.sentinel): no such master"
            case .failed(let why): return "\(answer.sentinel): \(why)"
            }
        }
        guard answered >= needed else {
            let detail = problems.isEmpty ? "" : " (" + problems.joined(separator: "; ") + ")"
            return .failed("too few sentinels answered: \(answered) of \(answers.count), \(needed) needed\(detail)")
        }
        // Most votes first; among equals, the newer configuration.
        let ordered = groups.sorted { ($0.sentinels.count, $0.epoch) > ($1.sentinels.count, $1.epoch) }
        let described = ordered.map { "\($0.address) (config epoch \($0.epoch)) from \($0.sentinels.joined(separator: ", "))" }
        guard let best = ordered.first, best.sentinels.count >= needed else {
            return .failed("sentinels disagree: " + described.joined(separator: "; "))
        }
        if let newer = groups.first(where: { $0.epoch > best.epoch }) {
            return .failed(
                "a newer configuration is still spreading (a failover may be under way): "
                    + "\(newer.address) (config epoch \(newer.epoch)) from \(newer.sentinels.joined(separator: ", ")), "
                    + "while \(best.address) (config epoch \(best.epoch)) has the majority")
        }
        return .agreed(best.address, configEpoch: best.epoch, votes: best.sentinels.count)
    }
}
