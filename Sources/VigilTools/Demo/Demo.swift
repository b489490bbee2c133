import Foundation
import SentinelCore
import VigilTestSupport

/// `vigil demo`: starts a master, two replicas (AOF, everysec) and three Vigils on loopback in a
/// temporary directory, runs a crash drill and a coordinated switchover drill, prints both
/// summaries and where the HTML reports are, and stops everything it started, also on Ctrl-C
/// (`interrupted()`).
public enum Demo {
    nonisolated(unsafe) private static var running: LocalDeployment?
    private static let lock = NSLock()
    static let masterName = "mymaster"

    /// `vigil` is the binary the Vigils run: by default this process's own executable.
    public static func run(reportDirectory: String?, vigil: String = executablePath()) -> Int32 {
        let deployment: LocalDeployment
        do {
            deployment = try LocalDeployment(name: "demo")
        } catch {
            return Console.fail("vigil demo: \(error)\n", code: 1)
        }
        lock.withLock { running = deployment }
        defer {
            Console.say("stopping the demo's processes (\(deployment.processIdentifiers.map(String.init).joined(separator: ", ")))")
            deployment.stopAll()
            lock.withLock { running = nil }
        }
        do {
            return try demonstrate(deployment, vigil: vigil, reportDirectory: reportDirectory ?? makeReportDirectory())
        } catch {
            return Console.fail("vigil demo: \(error)\n", code: 1)
        }
    }

    /// For SIGINT/SIGTERM: stops every process the demo started, and any it paused, then exits.
    public static func interrupted() -> Never {
        Console.error("vigil demo: interrupted; stopping every process it started\n")
        PausedProcesses.shared.resumeAll()
        lock.withLock { running }?.stopAll()
        exit(130)
    }

    /// A master and two replicas with AOF (`appendfsync everysec`), and three Vigils (quorum 2).
    static func start(_ deployment: LocalDeployment, vigil: String) throws -> [Address] {
        try deployment.startReplicationGroup(replicas: 2, redisArguments: ["--appendonly", "yes", "--appendfsync", "everysec"])
        let sentinelPorts = try (0..<3).map { _ in try LoopbackPorts.next() }
        for port in sentinelPorts {
            try deployment.startSentinel(port: port, configPath: deployment.writeSentinelConfig(port: port, quorum: 2), binary: vigil)
        }
        Console.say("started in \(deployment.directory): master 127.0.0.1:\(deployment.masterPort), replicas \(deployment.replicaPorts.map { "127.0.0.1:\($0)" }.joined(separator: ", ")) (appendonly yes, appendfsync everysec), Vigils on \(sentinelPorts.map(String.init).joined(separator: ", ")) (quorum 2, down-after 1000 ms); pids \(deployment.processIdentifiers.map(String.init).joined(separator: ", "))")
        return sentinelPorts.map { Address(host: "127.0.0.1", port: $0) }
    }

    static func demonstrate(_ deployment: LocalDeployment, vigil: String, reportDirectory: String) throws -> Int32 {
        let sentinels = try start(deployment, vigil: vigil)
        var crashPlan = DrillPlan(masterName: masterName, sentinels: sentinels, disruption: .crash)
        crashPlan.warmupMilliseconds = 1_500
        crashPlan.timeoutMilliseconds = 30_000
        guard DrillSettling.wait(for: crashPlan, replicas: 2, pauseMilliseconds: 500) == nil, settled(sentinels) else {
            throw DrillRunner.DrillError(description: "the demo deployment did not come up within a minute; logs are in \(deployment.directory)")
        }
        func drill(_ plan: DrillPlan, _ heading: String) throws -> DrillResult {
            Console.say("\n== " + heading)
            let result = try DrillRunner(plan: plan) { Console.say("  " + $0) }.run()
            Console.say(DrillReport.text(result))
            _ = DrillSession.writeReports([result], to: reportDirectory)
            return result
        }
        let crash = try drill(crashPlan, "crash drill: kill -9 of the master while a client writes 200 keys/s through the Vigils")

        Console.say("\n== restarting the old master; the Vigils turn it into a replica of the new one")
        try deployment.restartRedis(port: crash.timeline.oldMaster.port)
        var coordinatedPlan = crashPlan
        coordinatedPlan.disruption = .coordinated
        if let problem = DrillSettling.wait(for: coordinatedPlan, replicas: 2, pauseMilliseconds: 1_000) {
            throw DrillRunner.DrillError(description: problem)
        }
        let coordinated = try drill(
            coordinatedPlan, "coordinated switchover drill: SENTINEL FAILOVER \(masterName) COORDINATED under the same load")
        Console.say("\nBoth reports (JSON and HTML, open the HTML in a browser) are in \(reportDirectory)")
        return crash.problem == nil && coordinated.problem == nil ? 0 : 1
    }

    /// Every Vigil knows both replicas and both other Vigils.
    static func settled(_ sentinels: [Address]) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let complete = sentinels.allSatisfy { sentinel in
                guard let connection = try? BlockingRedisConnection(to: sentinel, timeoutMilliseconds: 500),
                      let reply = try? connection.call(["SENTINEL", "MASTER", masterName]) else { return false }
                let fields = SentinelReplies.fields(reply) ?? [:]
                return fields["num-slaves"] == "2" && fields["num-other-sentinels"] == "2"
            }
            if complete { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    static func makeReportDirectory() -> String {
        var template = Array("/tmp/vigil-demo-reports.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return made.map { String(cString: $0) } ?? FileManager.default.currentDirectoryPath
    }

    public static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
