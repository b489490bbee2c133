/// One part of a timer tick. `tick(now:)` runs them all in one go (the simulator and the tests);
/// the daemon runs each part as its own batch, because a config write that fails undoes its batch:
/// a part that persists (a failover starting takes a new epoch, a finished failover switches the
/// master) must not take every other master's pings, INFO, hellos and SDOWN checks down with it,
/// or a broken disk would stop all monitoring and leave false SDOWNs behind once it works again.
public enum TickStep: Hashable, Sendable {
    /// TILT detection and overdue scripts.
    case begin
    /// One instance's monitoring: reconnect, PING/INFO/hello, idle links, TILT exit, SDOWN, and for
    /// a master ODOWN (a view, never persisted: it stays visible while a failover cannot be saved).
    case visit(Sentinel.InstanceRef)
    /// One master's decisions: starting and advancing its failover, asking peers.
    case decide(master: String)
    /// Failovers that reached UPDATE_CONFIG switch their master (after every master was visited).
    case finish

    /// `begin` and `visit` never ask for a config write: nothing they change is persisted. The driver
    /// relies on it (it keeps no undo copy for them) and stops the process if it is ever broken.
    public var neverPersists: Bool {
        switch self {
        case .begin, .visit: true
        case .decide, .finish: false
        }
    }
}

extension Sentinel {
    /// The parts of the next tick, in the order `tick(now:)` runs them: each master's own visit and
    /// decisions, then its replicas and peers, as Redis visits them.
    public func tickPlan() -> [TickStep] {
        var steps: [TickStep] = [.begin]
        for target in allInstanceRefs() {
            steps.append(.visit(target))
            if case .master = target.member { steps.append(.decide(master: target.master)) }
        }
        steps.append(.finish)
        return steps
    }

    /// Runs one part of a tick; scripts due are started as after any public entry point.
    public mutating func tick(_ step: TickStep, now: Instant) -> [Effect] {
        withScripts(tickEffects(step, now: now), now: now)
    }

    mutating func tickEffects(_ step: TickStep, now: Instant) -> [Effect] {
        var effects: [Effect] = []
        switch step {
        case .begin:
            checkTilt(now: now, into: &effects)
            killOverdueScripts(now: now, into: &effects)
        case .visit(let target):
            reconnect(target, now: now, into: &effects)
            sendPeriodicCommands(target, now: now, into: &effects)
            closeIdleLinks(target, now: now, into: &effects)
            if let since = tiltSince {
                guard now - since >= timing.tiltPeriod else { return effects }
                tiltSince = nil
                effects.append(.emit(.tiltExited))
            }
            checkSubjectivelyDown(target, now: now, into: &effects)
            if case .master = target.member, let m = masterIndex(named: target.master) {
                checkObjectivelyDown(m, now: now, into: &effects)
            }
        case .decide(let name):
            // The master's visit just before skipped its checks while in TILT; so do decisions.
            guard tiltSince == nil, let m = masterIndex(named: name) else { return effects }
            startFailoverIfNeeded(m, now: now, into: &effects)
            advanceFailover(m, now: now, into: &effects)
            askPeersAboutMaster(m, now: now, into: &effects)
        case .finish:
            for m in masters.indices where masters[m].failover?.state == .updateConfig {
                finishFailover(m, now: now, into: &effects)
            }
        }
        return effects
    }
}
