import Foundation
import SentinelCore
import VigilTestSupport
import VigilTools

/// `vigil demo [--report-dir DIR]`: starts a master, two replicas (AOF, everysec) and three Vigils on
/// loopback in a temporary directory, runs a crash drill and a coordinated switchover drill, prints
/// both summaries and where the HTML reports are, and stops everything it started, also on Ctrl-C.
enum DemoCommand {
    nonisolated(unsafe) static var running: LocalDeployment?
    static let lock = NSLock()

    static func run(_ words: [String]) -> Int32 {
        var reportDirectory: String?
        if words.count == 2, words[0] == "--report-dir" {
            reportDirectory = words[1]
        } else if !words.isEmpty {
            return DrillCommand.fail("usage: vigil demo [--report-dir DIR]\n", code: 2)
        }
        let deployment: LocalDeployment
        do {
            deployment = try LocalDeployment(name: "demo")
        } catch {
            return DrillCommand.fail("vigil demo: \(error)\n", code: 1)
        }
        lock.withLock { running = deployment }
        installInterruptHandler()
        defer {
            say("stopping the demo's processes (\(deployment.processIdentifiers.map(String.init).joined(separator: ", ")))")
            deployment.stopAll()
            lock.withLock { running = nil }
        }
        do {
            return try demonstrate(deployment, reportDirectory: reportDirectory ?? makeReportDirectory())
        } catch {
            return DrillCommand.fail("vigil demo: \(error)\n", code: 1)
        }
    }

    static let masterName = "mymaster"

    /// A master and two replicas with AOF (`appendfsync everysec`), and three Vigils (quorum 2).
    static func start(_ deployment: LocalDeployment) throws -> [Address] {
        try deployment.startReplicationGroup(replicas: 2, redisArguments: ["--appendonly", "yes", "--appendfsync", "everysec"])
        let sentinelPorts = try (0..<3).map { _ in try LoopbackPorts.next() }
        for port in sentinelPorts {
            try deployment.startSentinel(port: port, configPath: deployment.writeSentinelConfig(port: port, quorum: 2), binary: executablePath())
        }
        say("started in \(deployment.directory): master 127.0.0.1:\(deployment.masterPort), replicas \(deployment.replicaPorts.map { "127.0.0.1:\($0)" }.joined(separator: ", ")) (appendonly yes, appendfsync everysec), Vigils on \(sentinelPorts.map(String.init).joined(separator: ", ")) (quorum 2, down-after 1000 ms); pids \(deployment.processIdentifiers.map(String.init).joined(separator: ", "))")
        return sentinelPorts.map { Address(host: "127.0.0.1", port: $0) }
    }

    static func demonstrate(_ deployment: LocalDeployment, reportDirectory: String) throws -> Int32 {
        let sentinels = try start(deployment)
        var crashPlan = DrillPlan(masterName: masterName, sentinels: sentinels, disruption: .crash)
        crashPlan.warmupMilliseconds = 1_500
        crashPlan.timeoutMilliseconds = 30_000
        guard DrillSettling.wait(for: crashPlan, replicas: 2, pauseMilliseconds: 500) == nil, settled(sentinels) else {
            throw DrillRunner.DrillError(description: "the demo deployment did not come up within a minute; logs are in \(deployment.directory)")
        }
        func drill(_ plan: DrillPlan, _ heading: String) throws -> DrillResult {
            say("\n== " + heading)
            let result = try DrillRunner(plan: plan) { say("  " + $0) }.run()
            say(DrillReport.text(result))
            _ = DrillCommand.write([result], to: reportDirectory)
            return result
        }
        let crash = try drill(crashPlan, "crash drill: kill -9 of the master while a client writes 200 keys/s through the Vigils")

        say("\n== restarting the old master; the Vigils turn it into a replica of the new one")
        try deployment.restartRedis(port: crash.timeline.oldMaster.port)
        var coordinatedPlan = crashPlan
        coordinatedPlan.disruption = .coordinated
        if let problem = DrillSettling.wait(for: coordinatedPlan, replicas: 2, pauseMilliseconds: 1_000) {
            throw DrillRunner.DrillError(description: problem)
        }
        let coordinated = try drill(
            coordinatedPlan, "coordinated switchover drill: SENTINEL FAILOVER \(masterName) COORDINATED under the same load")
        say("\nBoth reports (JSON and HTML, open the HTML in a browser) are in \(reportDirectory)")
        return crash.problem == nil && coordinated.problem == nil ? 0 : 1
    }

    /// Every Vigil knows both replicas and both other Vigils.
    static func settled(_ sentinels: [Address]) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let complete = sentinels.allSatisfy { sentinel in
                guard let connection = try? BlockingRedisConnection(to: sentinel, timeoutMilliseconds: 500),
                      let reply = try? connection.call(["SENTINEL", "MASTER", masterName]) else { return false }
                let fields = DeploymentProbe.pairs(reply)
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

    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static func installInterruptHandler() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("vigil demo: interrupted; stopping every process it started\n".utf8))
                PausedProcesses.shared.resumeAll()
                lock.withLock { running }?.stopAll()
                exit(130)
            }
            source.resume()
            InterruptSources.keep(source)
        }
    }
}
