extension Sentinel {
    /// Queues the notification scripts of the events, and starts whatever is due. Every public entry
    /// point passes its effects through here.
    mutating func withScripts(_ effects: [Effect], now: Instant) -> [Effect] {
        var result = effects
        queueNotificationScripts(for: effects, now: now)
        for job in scripts.startDue(now: now) { result.append(.runScript(id: job.id, arguments: job.arguments)) }
        return result
    }

    /// Queues, for each event that names a master with a notification script (warnings about an
    /// instance, §3.11), that script with the event's type and message.
    mutating func queueNotificationScripts(for effects: [Effect], now: Instant) {
        for case .emit(let event) in effects {
            guard let name = event.notificationScriptMaster, let m = masterIndex(named: name),
                let script = masters[m].settings.notificationScript
            else { continue }
            scripts.enqueue([script, event.type, event.message], now: now)
        }
    }

    mutating func queueClientReconfigScript(_ m: Int, role: String, from old: Address, to new: Address, now: Instant) {
        guard let script = masters[m].settings.clientReconfigScript else { return }
        scripts.enqueue([script, masters[m].name, role, "start", announcedHost(old), String(old.port), announcedHost(new), String(new.port)], now: now)
    }

    mutating func killOverdueScripts(now: Instant, into effects: inout [Effect]) {
        for (job, pid) in scripts.overdue(now: now, limit: timing.scriptMaxRuntime) {
            effects.append(.killScript(pid: pid))
            effects.append(.emit(.scriptTimeout(path: job.arguments.first ?? "", pid: pid)))
        }
    }

    mutating func scriptStarted(_ id: Int, pid: Int32?, now: Instant) -> [Effect] {
        guard let pid else {
            // Redis reports a failed fork as signal 99, exit code 0.
            return scriptFinished(id, exitCode: 0, signal: 99, now: now)
        }
        scripts.started(id, pid: pid)
        return [.log(.debug, "+script-child \(pid)")]
    }

    mutating func scriptFinished(_ id: Int, exitCode: Int32, signal: Int32, now: Instant) -> [Effect] {
        guard let (job, outcome) = scripts.finished(id, exitCode: exitCode, signal: signal, now: now, retryDelay: timing.scriptRetryDelay)
        else { return [] }
        guard outcome == .failed else { return [] }
        return [.emit(.scriptError(path: job.arguments.first ?? "", signal: signal, exitCode: exitCode))]
    }

    /// `SENTINEL PENDING-SCRIPTS`.
    func pendingScripts(now: Instant) -> Reply {
        .array(scripts.jobs.map { job in
            var pairs: [(String, Reply)] = [("argv", .array(job.arguments.map { .bulk($0) }))]
            switch job.state {
            case .running(let since, let pid):
                pairs += [("flags", .bulk("running")), ("pid", .bulkInteger(Int64(pid ?? 0))), ("run-time", .bulkInteger(now - since))]
            case .scheduled(let at):
                pairs += [("flags", .bulk("scheduled")), ("pid", .bulk("0")), ("run-delay", .bulkInteger(max(0, at - now)))]
            }
            pairs.append(("retry-num", .bulkInteger(job.runs)))
            return .fields(pairs)
        })
    }
}
