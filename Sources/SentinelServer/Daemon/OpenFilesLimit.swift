import Foundation
import SentinelCore

/// Redis's adjustOpenFilesLimit: at start-up the open files limit is raised to fit maxclients and
/// Redis's reserve. When the system refuses, the highest limit it allows (tried in steps of 16) sets
/// a lower maxclients; when even the reserve does not fit, the daemon does not start.
enum OpenFilesLimit {
    enum Outcome: Equatable {
        case sufficient
        case raised(from: Int, to: Int)
        /// `error` is the errno of the last refusal.
        case reduced(maxClients: Int, limit: Int, error: Int32)
        case insufficient
    }

    /// Decides from the current soft limit, with `trySetting` asking the system for one limit (errno
    /// on refusal, 0 on success): pure, for the tests.
    static func plan(maxClients: Int, currentLimit: Int, trySetting: (Int) -> Int32) -> Outcome {
        let wanted = maxClients + ClientLimits.reservedFileDescriptors
        guard currentLimit < wanted else { return .sufficient }
        var best = wanted
        var lastError: Int32 = 0
        let step = 16
        // Bounded: `best` falls by `step` each pass until it reaches the current limit.
        while best > currentLimit {
            let error = trySetting(best)
            if error == 0 { break }
            lastError = error
            if best < step {
                best = currentLimit
                break
            }
            best -= step
        }
        best = max(best, currentLimit)
        if best >= wanted { return .raised(from: currentLimit, to: wanted) }
        if best <= ClientLimits.reservedFileDescriptors { return .insufficient }
        return .reduced(maxClients: best - ClientLimits.reservedFileDescriptors, limit: best, error: lastError)
    }

    /// Raises the process's limit and logs as Redis does; the maxclients to use, or nil when the
    /// daemon must not start.
    static func adjust(maxClients: Int, log: RedisLogWriter) -> Int? {
        let wanted = maxClients + ClientLimits.reservedFileDescriptors
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            let fallback = 1024 - ClientLimits.reservedFileDescriptors
            log.log(.warning, "Unable to obtain the current NOFILE limit (\(String(cString: strerror(errno)))), "
                + "assuming 1024 and setting the max clients configuration accordingly.")
            return fallback
        }
        let current = limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
        let hard = limit.rlim_max
        let outcome = plan(maxClients: maxClients, currentLimit: current) { candidate in
            // Unlike Redis, a higher hard limit is kept, so scripts may still raise theirs.
            var wanted = rlimit(rlim_cur: rlim_t(candidate), rlim_max: max(hard, rlim_t(candidate)))
            return setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &wanted) == 0 ? 0 : errno
        }
        switch outcome {
        case .sufficient:
            return maxClients
        case .raised(let from, let to):
            log.log(.notice, "Increased maximum number of open files to \(to) (it was originally set to \(from)).")
            return maxClients
        case .reduced(let reduced, let best, let error):
            log.log(.warning, "You requested maxclients of \(maxClients) requiring at least \(wanted) max file descriptors.")
            log.log(.warning, "Server can't set maximum open files to \(wanted) because of OS error: \(String(cString: strerror(error))).")
            log.log(.warning, "Current maximum open files is \(best). maxclients has been reduced to \(reduced) to compensate for "
                + "low ulimit. If you need higher maxclients increase 'ulimit -n'.")
            return reduced
        case .insufficient:
            log.log(.warning, "Your current 'ulimit -n' of \(current) is not enough for the server to start. "
                + "Please increase your open file limit to at least \(wanted). Exiting.")
            return nil
        }
    }
}
