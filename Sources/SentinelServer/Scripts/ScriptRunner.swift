import Foundation
import SentinelCore

/// Starts scripts for the core and reports how they end. Children inherit only descriptors 0, 1 and 2
/// (everything else is closed in the child before exec), and are reaped by polling from the timer.
final class ScriptRunner {
    private var running: [pid_t: Int] = [:]

    /// Returns the child's pid, or nil when it could not be started.
    func start(_ arguments: [String]) -> pid_t? {
        guard let path = arguments.first else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Every descriptor but 0, 1 and 2 is closed in the child, whatever its close-on-exec flag says.
        for fd in Self.openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, nil, argv, environ)
        return status == 0 ? pid : nil
    }

    func track(pid: pid_t, job: Int) { running[pid] = job }

    static func openDescriptors() -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return names.compactMap { Int32($0) }.filter { fcntl($0, F_GETFD) != -1 }.sorted()
    }

    /// Children that have exited since the last call: (job, exit code, signal).
    func reap() -> [(job: Int, exitCode: Int32, signal: Int32)] {
        var finished: [(Int, Int32, Int32)] = []
        for (pid, job) in running.sorted(by: { $0.key < $1.key }) {
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { continue }
            running[pid] = nil
            let signal = status & 0x7f
            let exitCode = signal == 0 ? (status >> 8) & 0xff : 0
            finished.append((job, exitCode, signal))
        }
        return finished
    }

    func kill(_ pid: pid_t) { _ = Foundation.kill(pid, SIGKILL) }
}
