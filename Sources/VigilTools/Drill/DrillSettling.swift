import Foundation
import RESP
import SentinelCore

/// Between repeated drills: the deployment must be whole again (the sentinels agree on a master
/// and it streams to as many replicas as before the first drill) before the next one starts.
public enum DrillSettling {
    /// The replicas the agreed master streams to (online and past their first acknowledged offset),
    /// or 0 when that cannot be read.
    public static func streamingReplicas(for plan: DrillPlan) -> Int {
        guard let master = try? DrillRunner(plan: plan, progress: { _ in }).currentMaster(),
              let connection = try? BlockingRedisConnection(to: master, timeoutMilliseconds: 1_000, credentials: plan.nodeCredentials),
              let info = (try? connection.call(["INFO", "replication"]))?.stringValue, info.contains("role:master")
        else { return 0 }
        return DeploymentProbe.attachedReplicas(info).values.count { $0.streaming }
    }

    /// Waits up to a minute; returns why the deployment did not settle, or nil once it has (and the
    /// pause after it has passed).
    public static func wait(for plan: DrillPlan, replicas: Int, pauseMilliseconds: Int) -> String? {
        let deadline = Date().addingTimeInterval(60)
        var streaming = 0
        while Date() < deadline {
            streaming = streamingReplicas(for: plan)
            if streaming >= max(replicas, 1) {
                Thread.sleep(forTimeInterval: Double(pauseMilliseconds) / 1000)
                return nil
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return "the deployment did not settle within 60 s: the agreed master streams to \(streaming) replicas, \(replicas) before the first drill"
    }
}
