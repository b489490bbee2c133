import Foundation
import RESP
import SentinelCore

/// Between repeated drills: the deployment must be whole again (the sentinels agree on a master
/// and it has as many online replicas as before the first drill) before the next one starts.
public enum DrillSettling {
    /// The online replicas of the master the sentinels agree on, or 0 when that cannot be read.
    public static func onlineReplicas(for plan: DrillPlan) -> Int {
        guard let master = try? DrillRunner(plan: plan, progress: { _ in }).currentMaster(),
              let connection = try? BlockingRedisConnection(to: master, timeoutMilliseconds: 1_000) else { return 0 }
        if let credentials = plan.nodeCredentials { _ = try? connection.call(authCommand(credentials)) }
        guard let info = (try? connection.call(["INFO", "replication"]))?.stringValue else { return 0 }
        guard info.contains("role:master") else { return 0 }
        return info.split(whereSeparator: \.isNewline).count { $0.hasPrefix("slave") && $0.contains("state=online") }
    }

    /// Waits up to a minute; returns why the deployment did not settle, or nil once it has (and the
    /// pause after it has passed).
    public static func wait(for plan: DrillPlan, replicas: Int, pauseMilliseconds: Int) -> String? {
        let deadline = Date().addingTimeInterval(60)
        var online = 0
        while Date() < deadline {
            online = onlineReplicas(for: plan)
            if online >= max(replicas, 1) {
                Thread.sleep(forTimeInterval: Double(pauseMilliseconds) / 1000)
                return nil
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return "the deployment did not settle within 60 s: the agreed master has \(online) online replicas, \(replicas) before the first drill"
    }
}
