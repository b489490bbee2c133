import Foundation
import SentinelCore

/// What the drill's threads observe, behind one lock: the writer's and reader's attempts and the
/// sentinels' events, each stamped on one monotonic clock; converted to milliseconds from the
/// disruption only when the drill is analysed.
final class DrillRecorder: @unchecked Sendable {
    struct Attempt {
        var number: Int
        var at: ContinuousClock.Instant
        var node: Address?
        var acknowledged: Bool
        var error: String?
    }

    struct Event {
        var at: ContinuousClock.Instant
        var sentinel: String
        var name: String
        var detail: String
    }

    private let lock = NSLock()
    private var writes: [Attempt] = []
    private var reads: [Attempt] = []
    private var events: [Event] = []
    private var subscribed: Set<String> = []
    private var stopping = false
    private var latestAcknowledgedNumber: Int?
    private(set) var disruptionAt: ContinuousClock.Instant?

    var isStopping: Bool { lock.withLock { stopping } }
    var latestAcknowledged: Int? { lock.withLock { latestAcknowledgedNumber } }
    var subscribedCount: Int { lock.withLock { subscribed.count } }
    var acknowledgedCount: Int { lock.withLock { writes.count { $0.acknowledged } } }
    var lastWriteError: String? { lock.withLock { writes.last { !$0.acknowledged }?.error } }

    func stop() { lock.withLock { stopping = true } }
    func markDisruption(_ instant: ContinuousClock.Instant) { lock.withLock { disruptionAt = instant } }
    func markSubscribed(_ sentinel: String) { _ = lock.withLock { subscribed.insert(sentinel) } }

    func recordWrite(_ attempt: Attempt) {
        lock.withLock {
            writes.append(attempt)
            if attempt.acknowledged { latestAcknowledgedNumber = attempt.number }
        }
    }

    func recordRead(_ attempt: Attempt) { lock.withLock { reads.append(attempt) } }
    func recordEvent(_ event: Event) { lock.withLock { events.append(event) } }

    /// Everything so far, in milliseconds from the disruption (or from now, before one).
    func snapshot() -> (writes: [DrillWrite], reads: [DrillWrite], events: [DrillEvent]) {
        lock.withLock {
            let origin = disruptionAt ?? .now
            func milliseconds(_ instant: ContinuousClock.Instant) -> Int64 {
                let elapsed = origin.duration(to: instant)
                return elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            }
            func convert(_ attempt: Attempt) -> DrillWrite {
                DrillWrite(number: attempt.number, atMilliseconds: milliseconds(attempt.at), node: attempt.node,
                           acknowledged: attempt.acknowledged, error: attempt.error)
            }
            return (writes.map(convert), reads.map(convert),
                    events.map { DrillEvent(atMilliseconds: milliseconds($0.at), sentinel: $0.sentinel, name: $0.name, detail: $0.detail) })
        }
    }
}

/// Processes a drill has stopped with SIGSTOP, so that an interrupted drill (Ctrl-C) resumes them
/// instead of leaving a master frozen.
public final class PausedProcesses: @unchecked Sendable {
    public static let shared = PausedProcesses()
    private let lock = NSLock()
    private var identifiers: Set<Int32> = []

    public func add(_ pid: Int32) { _ = lock.withLock { identifiers.insert(pid) } }

    public func resume(_ pid: Int32) {
        _ = lock.withLock { identifiers.remove(pid) }
        kill(pid, SIGCONT)
    }

    public func resumeAll() {
        for pid in lock.withLock({ identifiers.sorted() }) { resume(pid) }
    }
}
