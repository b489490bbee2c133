/// The queue of notification and client-reconfiguration scripts (§3.11): at most 16 run at once,
/// at most 256 wait; a failing run is retried with a doubling delay; a run over the time limit is killed.
public struct ScriptQueue: Hashable, Sendable {
    public static let maxRunning = 16
    /// Beyond this the oldest waiting job is dropped, so a flood of events cannot grow memory without end.
    public static let maxQueued = 256
    public static let maxRetries = 10

    public enum JobState: Hashable, Sendable {
        case scheduled(at: Instant)
        case running(since: Instant, pid: Int32?)
    }

    public struct Job: Hashable, Sendable {
        public var id: Int
        public var arguments: [String]
        public var state: JobState
        /// How many times it has been started.
        public var runs: Int
    }

    public private(set) var jobs: [Job] = []
    private var nextID = 1

    public var runningCount: Int { jobs.filter { if case .running = $0.state { return true } else { return false } }.count }
    public var queuedCount: Int { jobs.count - runningCount }

    mutating func enqueue(_ arguments: [String], now: Instant) {
        if jobs.count >= ScriptQueue.maxQueued, let oldest = jobs.firstIndex(where: {
            if case .scheduled = $0.state { return true } else { return false }
        }) {
            jobs.remove(at: oldest)
        }
        jobs.append(Job(id: nextID, arguments: arguments, state: .scheduled(at: now), runs: 0))
        nextID += 1
    }

    /// Jobs due to start now, marked running.
    mutating func startDue(now: Instant) -> [Job] {
        var started: [Job] = []
        var running = runningCount
        for index in jobs.indices where running < ScriptQueue.maxRunning {
            guard case .scheduled(let at) = jobs[index].state, at <= now else { continue }
            jobs[index].state = .running(since: now, pid: nil)
            jobs[index].runs += 1
            started.append(jobs[index])
            running += 1
        }
        return started
    }

    mutating func started(_ id: Int, pid: Int32) {
        guard let index = jobs.firstIndex(where: { $0.id == id }), case .running(let since, _) = jobs[index].state else { return }
        jobs[index].state = .running(since: since, pid: pid)
    }

    /// Running jobs past the time limit, with their pids.
    func overdue(now: Instant, limit: Int64) -> [(Job, Int32)] {
        jobs.compactMap { job in
            guard case .running(let since, let pid?) = job.state, now - since > limit else { return nil }
            return (job, pid)
        }
    }

    public enum Outcome: Equatable {
        case done
        case retryLater
        case failed
    }

    /// Exit 0: done. Exit 1 or a signal: retried up to 10 runs, after `retryDelay * 2^(runs-1)`.
    /// Exit 2 or more, or the last retry failing: an error.
    mutating func finished(_ id: Int, exitCode: Int32, signal: Int32, now: Instant, retryDelay: Int64) -> (Job, Outcome)? {
        guard let index = jobs.firstIndex(where: { $0.id == id }) else { return nil }
        let job = jobs[index]
        let retriable = signal != 0 || exitCode == 1
        if exitCode == 0 && signal == 0 {
            jobs.remove(at: index)
            return (job, .done)
        }
        if retriable && job.runs < ScriptQueue.maxRetries {
            jobs[index].state = .scheduled(at: now + retryDelay << Int64(job.runs - 1))
            return (job, .retryLater)
        }
        jobs.remove(at: index)
        return (job, .failed)
    }
}
