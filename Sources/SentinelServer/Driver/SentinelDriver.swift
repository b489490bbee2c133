import NIOCore
import NIOPosix
import NIOSSL
import SentinelCore

/// The shell around the core: it feeds the core ticks and link reports, and carries out its effects.
/// Confined to one event loop, which also serves the clients, so the core is never touched concurrently.
public final class SentinelDriver: SentinelCommandTarget, @unchecked Sendable {
    public let eventLoop: EventLoop
    private var sentinel: Sentinel
    private let store: ConfigStore
    private let log: RedisLogWriter
    private var links: RedisLinks!
    private let scriptRunner = ScriptRunner()
    private var tickTask: Scheduled<Void>?
    private var stopped = false
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
        links = RedisLinks(eventLoop: eventLoop, tls: linkTLS) { [weak self] input in self?.handle(input) }
        links.warn = { [log] message in log.log(.warning, message) }
    }

    static func now() -> Instant {
        Instant(milliseconds: Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000))
    }

    public var myID: String { sentinel.myID }

    /// A read-only look at the core, for the HTTP endpoint; on the event loop only.
    public func withSentinel<Result>(_ body: (Sentinel) -> Result) -> Result {
        eventLoop.preconditionInEventLoop()
        return body(sentinel)
    }

    /// Persists a new myid if needed, announces the masters and starts the timer.
    public func start() {
        eventLoop.preconditionInEventLoop()
        apply(sentinel.start(now: Self.now()))
        scheduleTick()
    }

    private func scheduleTick() {
        guard !stopped else { return }
        let delay = sentinel.nextTickDelayMilliseconds(now: Self.now())
        tickTask = eventLoop.scheduleTask(in: .milliseconds(delay)) { [weak self] in
            guard let self, !self.stopped else { return }
            for finished in self.scriptRunner.reap() {
                self.handle(.scriptFinished(id: finished.job, exitCode: finished.exitCode, signal: finished.signal))
            }
            let now = Self.now()
            self.apply(self.sentinel.tick(now: now))
            self.systemd?.tick(nowMilliseconds: now.milliseconds, status: self.sentinel.statusLine())
            self.scheduleTick()
        }
    }

    private func handle(_ input: Input) {
        guard !stopped else { return }
        if case .linkClosed(let id, _) = input { links.forget(id) }
        apply(sentinel.handle(input, now: Self.now()))
    }

    /// Carries out effects. Durable first: a config rewrite happens before anything of the same batch
    /// is sent, so nobody hears of a state the disk does not have. Returns whether every rewrite succeeded.
    @discardableResult
    private func apply(_ effects: [Effect]) -> Bool {
        var persisted = true
        if effects.contains(.persistConfig) { persisted = flushConfig() }
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
        return persisted
    }

    /// Rewrites the config file in place from the live state; atomic (see ConfigStore).
    @discardableResult
    public func flushConfig() -> Bool {
        do {
            let existing = (try? store.read()) ?? ""
            try store.write(ConfigFile.rewrite(existing: existing, with: sentinel.currentConfig()))
            return true
        } catch {
            log.log(.warning, "WARNING: Sentinel was not able to save the new configuration on disk!!!: \(error)")
            return false
        }
    }

    // MARK: SentinelCommandTarget

    public func executeSentinel(_ arguments: [String]) -> Reply {
        let outcome = sentinel.execute(sentinelCommand: arguments, now: Self.now())
        log.minimumLevel = sentinel.settings.loglevel
        let persisted = apply(outcome.effects)
        if outcome.replyRequiresPersist && !persisted { return CommandOutcome.saveFailedReply }
        return outcome.reply
    }

    public func receiveHello(_ payload: String) {
        apply(sentinel.receiveHello(payload, now: Self.now()))
    }

    public func infoSentinelLines() -> [String] { sentinel.infoSentinelLines(now: Self.now()) }

    public func monitoredMasterNames() -> [String] { sentinel.monitoredMasterNames() }

    public func replaceUsers(_ users: [[String]]) -> Bool {
        sentinel.replaceUsers(users)
        return flushConfig()
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
