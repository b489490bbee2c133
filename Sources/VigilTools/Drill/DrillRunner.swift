import Foundation
import RESP
import SentinelCore

/// Runs one drill against a live deployment: starts the event watchers and the canary clients,
/// disrupts the master, waits for the new master to take writes, lets the client write a little
/// longer, then reads every acknowledged key back from the new master to count what was lost.
public struct DrillRunner: Sendable {
    public struct DrillError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public let plan: DrillPlan
    /// Told what the drill sees as it happens (one line each), for the progress display.
    public let progress: @Sendable (String) -> Void

    public init(plan: DrillPlan, progress: @escaping @Sendable (String) -> Void) {
        self.plan = plan
        self.progress = progress
    }

    public func run() throws -> DrillResult {
        let oldMaster = try currentMaster()
        if [.crash, .hang].contains(plan.disruption), !DrillPlan.isThisHost(oldMaster.host) {
            throw DrillError(description: "a \(plan.disruption.rawValue) drill signals the master's process, and \(oldMaster) is not on this host: use switchover, coordinated or sleep")
        }
        let recorder = DrillRecorder()
        let prefix = "vigil-drill:\(UInt32.random(in: 0...UInt32.max)):"
        let clients = DrillClients(plan: plan, keyPrefix: prefix, recorder: recorder)
        let finished = DispatchGroup()
        func spawn(_ body: @escaping @Sendable () -> Void) {
            finished.enter()
            Thread.detachNewThread { body(); finished.leave() }
        }
        for sentinel in plan.sentinels { spawn { clients.watchEvents(of: sentinel) } }
        defer {
            recorder.stop()
            _ = finished.wait(timeout: .now() + 5)
        }
        try waitFor("the sentinels' event channels", seconds: 10) { recorder.subscribedCount == plan.sentinels.count }
        spawn { clients.runWriter() }
        if plan.withReader { spawn { clients.runReader() } }
        progress("writing \(plan.writesPerSecond) keys/s through the sentinels to \(oldMaster) for \(plan.warmupMilliseconds) ms before the \(plan.disruption.rawValue)")
        Thread.sleep(forTimeInterval: Double(plan.warmupMilliseconds) / 1000)
        guard recorder.acknowledgedCount > 0 else {
            throw DrillError(description: "the canary writer could not write to \(oldMaster): \(recorder.lastWriteError ?? "no reply")")
        }
        let startedAt = ISO8601DateFormatter().string(from: Date())
        let resumeAfterwards = try disrupt(oldMaster, recorder: recorder)
        let problem = awaitRecovery(of: oldMaster, recorder: recorder)
        Thread.sleep(forTimeInterval: Double(plan.settleMilliseconds) / 1000)
        let clientsStopped = Date()
        recorder.stop()
        if let resumeAfterwards { PausedProcesses.shared.resume(resumeAfterwards) }
        var (writes, reads, events) = recorder.snapshot()
        let timeline = DrillAnalysis.timeline(master: plan.masterName, oldMaster: oldMaster, events: events, writes: writes)
        let acknowledged = writes.filter(\.acknowledged).map(\.number)
        var lost: [Int] = []
        var readBackProblem: String?
        do {
            lost = DrillAnalysis.lost(acknowledged: acknowledged, present: try present(acknowledged, prefix: prefix, on: timeline.newMaster))
        } catch {
            readBackProblem = "could not read the writes back from \(timeline.newMaster): \(error)"
        }
        // Late events (+failover-end, +convert-to-slave) belong in the report too.
        Thread.sleep(forTimeInterval: max(0, 0.5 - Date().timeIntervalSince(clientsStopped)))
        events = recorder.snapshot().events
        return DrillResult(
            masterName: plan.masterName, disruption: plan.disruption, startedAt: startedAt, sentinels: plan.sentinels.map(\.description),
            writesPerSecond: plan.writesPerSecond, warmupMilliseconds: plan.warmupMilliseconds, timeline: timeline,
            problem: problem ?? readBackProblem, lostWrites: readBackProblem == nil ? lost.count : nil,
            lostNumbers: DrillAnalysis.ranges(lost), acknowledgedNumbers: DrillAnalysis.ranges(acknowledged), keyPrefix: prefix,
            events: events, writes: writes, reads: reads)
    }

    /// Where a majority of the sentinels says the master is (as `vigil lookup` decides it).
    func currentMaster() throws -> Address {
        let answers = plan.sentinels.map { sentinel in
            MasterLookup.Answer(
                sentinel: sentinel.description,
                outcome: SentinelQuery.askMaster(
                    named: plan.masterName, at: sentinel, credentials: plan.sentinelCredentials, timeoutMilliseconds: 1_000))
        }
        switch MasterLookup.decide(answers) {
        case .agreed(let address, _, _): return address
        case .failed(let why): throw DrillError(description: "no agreed master '\(plan.masterName)': \(why)")
        }
    }

    /// Disrupts the master as planned; returns the PID to resume when the drill ends (a hang).
    private func disrupt(_ master: Address, recorder: DrillRecorder) throws -> Int32? {
        switch plan.disruption {
        case .switchover, .coordinated:
            let command = ["SENTINEL", "FAILOVER", plan.masterName] + (plan.disruption == .coordinated ? ["COORDINATED"] : [])
            let connection = try BlockingRedisConnection(to: plan.sentinels[0], timeoutMilliseconds: 2_000, credentials: plan.sentinelCredentials)
            recorder.markDisruption(.now)
            let reply = try connection.call(command)
            if case .error(let message) = reply {
                throw DrillError(description: "\(plan.sentinels[0]) refused \(command.joined(separator: " ")): \(message)")
            }
            progress("0 ms: \(command.joined(separator: " ")) sent to \(plan.sentinels[0])")
            return nil
        case .crash, .hang:
            let pid = try processIdentifier(of: master)
            if plan.disruption == .hang { PausedProcesses.shared.add(pid) }
            recorder.markDisruption(.now)
            guard kill(pid, plan.disruption == .crash ? SIGKILL : SIGSTOP) == 0 else {
                throw DrillError(description: "cannot signal process \(pid) of \(master): \(String(cString: strerror(errno)))")
            }
            progress("0 ms: \(plan.disruption == .crash ? "kill -9" : "SIGSTOP") of \(master) (pid \(pid))")
            return plan.disruption == .hang ? pid : nil
        case .sleep:
            return try sleepMaster(master, recorder: recorder)
        }
    }

    private func sleepMaster(_ master: Address, recorder: DrillRecorder) throws -> Int32? {
        let connection = try BlockingRedisConnection(
            to: master, timeoutMilliseconds: (plan.sleepSeconds + 10) * 1_000, credentials: plan.nodeCredentials)
        let refusal = ReplyBox()
        recorder.markDisruption(.now)
        try connection.send(["DEBUG", "SLEEP", String(plan.sleepSeconds)])
        Thread.detachNewThread {
            if case .error(let message)? = try? connection.receive() { refusal.set(message) }
        }
        // A refusal (DEBUG disabled by enable-debug-command) comes back at once; sleeping says nothing.
        Thread.sleep(forTimeInterval: 0.2)
        if let message = refusal.get() { throw DrillError(description: "\(master) refused DEBUG SLEEP: \(message)") }
        progress("0 ms: DEBUG SLEEP \(plan.sleepSeconds) sent to \(master)")
        return nil
    }

    private func processIdentifier(of master: Address) throws -> Int32 {
        let connection = try BlockingRedisConnection(to: master, timeoutMilliseconds: 2_000, credentials: plan.nodeCredentials)
        let info = try connection.call(["INFO", "server"]).stringValue ?? ""
        let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("process_id:") }
        guard let pid = line.flatMap({ Int32($0.dropFirst("process_id:".count)) }), pid > 1 else {
            throw DrillError(description: "\(master) did not report its process_id in INFO server")
        }
        return pid
    }

    /// Waits until the client writes to the master the sentinels now name (or, after a DEBUG SLEEP
    /// with no failover, to the same master once it wakes), reporting milestones as they come.
    /// Returns why it gave up, if it did.
    private func awaitRecovery(of oldMaster: Address, recorder: DrillRecorder) -> String? {
        var reported: Set<DrillMilestone> = []
        let deadline = ContinuousClock.now + .milliseconds(plan.timeoutMilliseconds)
        while ContinuousClock.now < deadline {
            let (writes, _, events) = recorder.snapshot()
            let timeline = DrillAnalysis.timeline(master: plan.masterName, oldMaster: oldMaster, events: events, writes: writes)
            let switched = timeline.at(.switched) != nil
            for mark in timeline.marks where mark.atMilliseconds != nil && !reported.contains(mark.milestone) {
                if mark.milestone == .firstWrite && !switched && plan.disruption != .sleep { continue }
                reported.insert(mark.milestone)
                let extra = mark.milestone == .switched ? " (new master \(timeline.newMaster))" : ""
                progress("\(mark.atMilliseconds!) ms: \(mark.milestone.rawValue)\(extra)")
            }
            if switched, timeline.at(.firstWrite) != nil { return nil }
            if plan.disruption == .sleep, !switched,
               writes.contains(where: { $0.acknowledged && $0.atMilliseconds > Int64(plan.sleepSeconds) * 1_000 }) {
                return nil
            }
            if [.switchover, .coordinated].contains(plan.disruption),
               let abort = events.first(where: { $0.atMilliseconds >= 0 && $0.name.hasPrefix("-failover-abort") }) {
                return "the switchover was aborted: \(abort.name) \(abort.detail)"
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return "no new master took writes within \(plan.timeoutMilliseconds) ms"
    }

    /// The numbers among `acknowledged` whose keys `node` has (MGET in batches).
    private func present(_ acknowledged: [Int], prefix: String, on node: Address) throws -> Set<Int> {
        let connection = try BlockingRedisConnection(to: node, timeoutMilliseconds: 5_000, credentials: plan.nodeCredentials)
        var found: Set<Int> = []
        var index = 0
        while index < acknowledged.count {
            let batch = Array(acknowledged[index..<min(index + 500, acknowledged.count)])
            index += batch.count
            let reply = try connection.call(["MGET"] + batch.map { prefix + String($0) })
            guard case .array(let values) = reply, values.count == batch.count else {
                throw DrillError(description: "unexpected reply to MGET: \(reply)")
            }
            for (number, value) in zip(batch, values) where value != .null && value != .nullArray { found.insert(number) }
        }
        return found
    }

    private func waitFor(_ what: String, seconds: Double, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw DrillError(description: "timed out waiting for \(what)")
    }
}

/// One reply handed from a thread to the drill.
private final class ReplyBox: @unchecked Sendable {
    private let lock = NSLock()
    private var message: String?
    func set(_ value: String) { lock.withLock { message = value } }
    func get() -> String? { lock.withLock { message } }
}
