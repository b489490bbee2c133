import Dispatch
import NIOCore
import NIOPosix
import NIOSSL
import SentinelCore

/// The shell around the core: it feeds the core ticks and link reports, and carries out its effects.
/// Confined to one event loop, which also serves the clients, so the core is never touched concurrently.
/// Every call into the core goes through `queue` (see DurableQueue): effects that depend on a config
/// write leave only once it is durable, and the write itself runs on `diskQueue`, off the loop.
public final class SentinelDriver: SentinelCommandTarget, @unchecked Sendable {
    public let eventLoop: EventLoop
    /// Every write to the core, in place or whole, counts in `coreChanges` (see `lastLookup`).
    private var sentinel: Sentinel {
        didSet { coreChanges &+= 1 }
    }
    private var coreChanges: UInt64 = 0
    /// The last lookup answered at once, and the core's change count it was read at. The core is a
    /// value: while no write has reached it, a lookup of the same name has the same answer. A
    /// client that looks the master up on every connect, and all of them after a failover, ask for
    /// the same name many times between two ticks.
    private var lastLookup: (changes: UInt64, name: [UInt8], answer: ImmediateLookup)?
    private let store: ConfigStore
    private let log: RedisLogWriter
    private var links: RedisLinks!
    private let scriptRunner = ScriptRunner()
    private var tickTask: Scheduled<Void>?
    private var stopped = false
    private var queue: DurableQueue!
    /// One serial queue for every write of the file, so two writes never race to rename.
    private let diskQueue = DispatchQueue(label: "vigil.config-writes")
    private var failureLog = WriteFailureLog()
    private var freedMemoryReturn = FreedMemoryReturn()
    /// Delivers a published event to pub/sub subscribers: (channel, message).
    public var publish: (String, String) -> Void = { _, _ in }
    /// Called once when SHUTDOWN or a signal asks the process to stop, after the config is flushed.
    public var onShutdown: () -> Void = {}
    /// Told of every tick (watchdog) and of status changes, when running under systemd.
    public var systemd: SystemdNotifier?
    /// Counts and times failovers from the core's events, when the HTTP listener is on.
    public var metrics: VigilMetrics?

    public init(
        eventLoop: EventLoop, config: SentinelConfig, store: ConfigStore, log: RedisLogWriter, seed: UInt64, linkTLS: NIOSSLContext? = nil
    ) {
        self.eventLoop = eventLoop
        self.store = store
        self.log = log
        sentinel = Sentinel(config: config, seed: seed, now: SentinelDriver.now())
        sentinel.environment = SentinelEnvironment(isExecutable: { access($0, X_OK) == 0 }, resolveHost: HostResolver.resolve)
        // The driver lives as long as the daemon, so its closures hold it unowned, never weak: one
        // weak reference gives an object a side table, and then every retain and release of it takes
        // the runtime's slow path (each input, each tick's batches, each lookup through the context).
        links = RedisLinks(eventLoop: eventLoop, tls: linkTLS) { [unowned self] input in handle(input) }
        links.warn = { [log] message in log.log(.warning, message) }
        queue = DurableQueue(
            core: DurableQueue.Core(get: { [unowned self] in sentinel }, set: { [unowned self] in sentinel = $0 }),
            perform: { [unowned self] effects in perform(effects) },
            write: { [unowned self] done in writeInBackground(done) },
            failed: { [unowned self] error in
                if let line = failureLog.record(error, nowMilliseconds: Self.now().milliseconds) { log.log(.warning, line) }
            })
    }

    static func now() -> Instant {
        Instant(milliseconds: Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000))
    }

    public var myID: String { sentinel.myID }

    /// A read-only look at the core, for the HTTP endpoint; on the event loop only. It may show a
    /// change whose write is still in flight (metrics and status, not answers anyone acts on).
    public func withSentinel<Result>(_ body: (Sentinel) -> Result) -> Result {
        eventLoop.preconditionInEventLoop()
        return body(sentinel)
    }

    /// Persists a new myid if needed, announces the masters and starts the timer.
    public func start() {
        eventLoop.preconditionInEventLoop()
        let now = Self.now()
        queue.submit { [unowned self] in DurableQueue.Outcome(effects: sentinel.start(now: now)) }
        scheduleTick()
    }

    private func scheduleTick() {
        guard !stopped else { return }
        let delay = inPlace { $0.nextTickDelayMilliseconds(now: Self.now()) }
        tickTask = eventLoop.scheduleTask(in: .milliseconds(delay)) { [unowned self] in
            guard !self.stopped else { return }
            for finished in self.scriptRunner.reap() {
                self.handle(.scriptFinished(id: finished.job, exitCode: finished.exitCode, signal: finished.signal))
            }
            let now = Self.now()
            self.runTick(self.inPlace { $0.tickPlan(now: now) }, now: now)
            self.freedMemoryReturn.tick(nowMilliseconds: now.milliseconds)
            if let systemd = self.systemd { systemd.tick(nowMilliseconds: now.milliseconds, status: self.inPlace { $0.statusLine() }) }
            self.scheduleTick()
        }
    }

    /// Each part of a tick that may persist is its own batch (see TickStep): a part whose write
    /// fails is undone alone. The parts between them share one batch without an undo copy: visits,
    /// and decisions of masters with nothing pending (skipped: they would do nothing). Whether a
    /// decision may persist is asked when its turn comes, after the visits before it ran (a batch
    /// runs at once: see DurableQueue.submit). With hundreds of instances, a batch per part cost
    /// more than the parts.
    private func runTick(_ plan: [TickStep], now: Instant) {
        var next = plan.startIndex
        while next < plan.endIndex {
            if inPlace({ $0.mayPersist(plan[next]) }) {
                let step = plan[next]
                next += 1
                queue.submit { [unowned self] in DurableQueue.Outcome(effects: sentinel.tick(step, now: now)) }
                continue
            }
            let start = next
            let end = TickRunEnd()
            queue.submit(neverPersists: true) { [unowned self] in
                var effects: [Effect] = []
                var index = start
                while index < (end.index ?? plan.endIndex) {
                    let step = plan[index]
                    if inPlace({ $0.mayPersist(step) }) {
                        // The first run ends the batch here. Run again after a failed write, the batch
                        // keeps its steps, and a decision that now has work waits for the next tick.
                        if end.index == nil { break }
                    } else if case .decide = step {
                        // Nothing pending: the step would do nothing.
                    } else {
                        effects += sentinel.tick(step, now: now)
                    }
                    index += 1
                }
                if end.index == nil { end.index = index }
                return DurableQueue.Outcome(effects: effects)
            }
            next = end.index ?? plan.endIndex
        }
    }

    private func handle(_ input: Input) {
        guard !stopped else { return }
        if case .linkClosed(let id, _) = input { links.forget(id) }
        let now = Self.now()
        queue.submit(neverPersists: !inPlace { $0.mayPersist(input) }) { [unowned self] in
            DurableQueue.Outcome(effects: sentinel.handle(input, now: now))
        }
    }

    /// Carries out the effects of a batch whose writes are durable (DurableQueue calls it in order).
    private func perform(_ effects: [Effect]) {
        // A batch's commands to one node (INFO, PING and a hello on one visit) leave in one write.
        defer { links.flushWrites() }
        for effect in effects {
            switch effect {
            case .persistConfig:
                break
            case .connect(let id, let address, let kind):
                links.connect(id, to: address, kind: kind)
            case .disconnect(let id):
                links.disconnect(id)
            case .send(let id, let arguments, let purpose):
                links.send(id, arguments, purpose: purpose)
            case .emit(let event):
                metrics?.observe(event, now: Self.now())
                log.log(event)
                if event.isPublished { publish(event.type, event.message) }
            case .log(let level, let message):
                log.log(level, message)
            case .runScript(let id, let arguments):
                let pid = scriptRunner.start(arguments)
                if let pid { scriptRunner.track(pid: pid, job: id) }
                handle(.scriptStarted(id: id, pid: pid))
            case .killScript(let pid):
                scriptRunner.kill(pid)
            case .terminate(let exitCode):
                log.log(.warning, "Simulated failure: exiting with code \(exitCode).")
                exit(exitCode)
            }
        }
    }

    /// Renders the state as it is now and rewrites the file on `diskQueue` (temp file, fsync,
    /// rename, fsync of the directory: see ConfigStore); `done` runs back on the loop.
    private func writeInBackground(_ done: @escaping (Error?) -> Void) {
        let config = sentinel.currentConfig()
        let store = store
        let loop = eventLoop
        let finish = NIOLoopBound(done, eventLoop: loop)
        diskQueue.async {
            let error = Self.rewrite(store, with: config)
            loop.execute { finish.value(error) }
        }
    }

    private static func rewrite(_ store: ConfigStore, with config: SentinelConfig) -> Error? {
        do {
            let existing = (try? store.read()) ?? ""
            try store.write(ConfigFile.rewrite(existing: existing, with: config))
            return nil
        } catch {
            return error
        }
    }

    /// Rewrites the config file now, waiting for any write in flight first (shutdown only).
    @discardableResult
    public func flushConfig() -> Bool {
        let config = sentinel.currentConfig()
        let error = diskQueue.sync { Self.rewrite(store, with: config) }
        if let error { log.log(.warning, "WARNING: Sentinel was not able to save the new configuration on disk!!!: \(error)") }
        return error == nil
    }

    // MARK: SentinelCommandTarget

    public func executeSentinel(_ arguments: [String], reply: @escaping (Reply) -> Void) {
        let now = Self.now()
        // A command that only reads, with nothing before it waiting for the disk, is answered from
        // the state as it is: no batch, no undo copy of the core, no script queue.
        if queue.isIdle, let answer = inPlace({ $0.answer(readOnly: arguments, now: now) }) {
            reply(answer)
            return
        }
        queue.submit { [unowned self] in
            let outcome = sentinel.execute(sentinelCommand: arguments, now: now)
            log.minimumLevel = sentinel.settings.loglevel
            // A command whose write failed was undone: whatever it would have answered, it did not happen.
            return DurableQueue.Outcome(effects: outcome.effects) { durable in
                reply(durable ? outcome.reply : CommandOutcome.saveFailedReply)
            }
        }
    }

    public func lookUpMasterAddressNow(utf8 name: UnsafeRawBufferPointer) -> ImmediateLookup {
        guard queue.isIdle else { return .mustWait }
        if let lastLookup, lastLookup.changes == coreChanges, Self.bytes(lastLookup.name, equal: name) { return lastLookup.answer }
        let answer: ImmediateLookup = inPlace { $0.lookUpMasterAddress(utf8: name).map { .address($0) } ?? .noSuchMaster }
        // Dropped first, so that its name's array is reused in place rather than copied.
        var remembered = lastLookup?.name ?? []
        lastLookup = nil
        // A name as long as a bulk string may be (a client's choice) is answered, not kept.
        guard name.count <= Self.longestRememberedName else { return answer }
        remembered.removeAll(keepingCapacity: true)
        remembered.append(contentsOf: name)
        // The count read after the lookup: `inPlace` is itself a write access, which counts.
        lastLookup = (coreChanges, remembered, answer)
        return answer
    }

    static let longestRememberedName = 1_024

    private static func bytes(_ kept: [UInt8], equal name: UnsafeRawBufferPointer) -> Bool {
        guard kept.count == name.count else { return false }
        return kept.withUnsafeBytes { kept in kept.count == 0 || memcmp(kept.baseAddress!, name.baseAddress!, kept.count) == 0 }
    }

    /// Reads the core where it lies: `sentinel.method()` on this class's property copies the whole
    /// core first (every array and string retained, then released), which a lookup need not pay, nor
    /// the timer, which asks the core several questions per instance on every tick.
    private func inPlace<Result>(_ body: (inout Sentinel) -> Result) -> Result {
        body(&sentinel)
    }

    public func receiveHello(_ payload: String) {
        let now = Self.now()
        queue.submit(neverPersists: !inPlace { $0.helloMayPersist(payload) }) { [unowned self] in
            DurableQueue.Outcome(effects: sentinel.receiveHello(payload, now: now))
        }
    }

    public func inOrder<Value>(_ compute: @escaping () -> Value, deliver: @escaping (Value) -> Void) {
        queue.submit {
            let value = compute()
            return DurableQueue.Outcome(effects: []) { _ in deliver(value) }
        }
    }

    public func infoSentinelLines() -> [String] { inPlace { $0.infoSentinelLines(now: Self.now()) } }

    public func monitoredMasterNames() -> [String] { inPlace { $0.monitoredMasterNames() } }

    public func changeUsers(_ change: @escaping ([[String]]) -> [[String]]?, done: @escaping (_ written: Bool) -> Void) {
        queue.submit { [unowned self] in
            guard let users = change(sentinel.baseConfig.users) else { return DurableQueue.Outcome(effects: []) { _ in done(true) } }
            sentinel.replaceUsers(users)
            return DurableQueue.Outcome(effects: [.persistConfig], finish: done)
        }
    }

    public func requestShutdown() {
        shutdown()
    }

    /// Flushes the config, closes every link and hands over to `onShutdown`. Safe to call twice.
    public func shutdown() {
        eventLoop.preconditionInEventLoop()
        guard !stopped else { return }
        systemd?.notify("STOPPING=1\nSTATUS=shutting down")
        log.log(.warning, "User requested shutdown...")
        flushConfig()
        stopped = true
        tickTask?.cancel()
        links.closeAll()
        log.log(.warning, "Sentinel is now ready to exit, bye bye...")
        onShutdown()
    }
}

/// Where the first run of a tick's never-persisting batch stopped (see `runTick`).
private final class TickRunEnd {
    var index: Int?
}

/// Redis's warning for a failed rewrite, at most once a second while the disk stays broken (a tick
/// that wants to start a failover tries again every 100 ms), with how many were left out.
struct WriteFailureLog {
    private var lastLogged: Int64?
    private var suppressed = 0

    mutating func record(_ error: Error, nowMilliseconds: Int64) -> String? {
        if let last = lastLogged, nowMilliseconds - last < 1_000 {
            suppressed += 1
            return nil
        }
        lastLogged = nowMilliseconds
        defer { suppressed = 0 }
        let more = suppressed > 0 ? " (\(suppressed) more failed writes since the last warning)" : ""
        return "WARNING: Sentinel was not able to save the new configuration on disk!!!: \(error); the change was undone\(more)"
    }
}
