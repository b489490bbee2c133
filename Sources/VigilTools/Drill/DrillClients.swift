import Foundation
import RESP
import SentinelCore

/// The drill's canary clients, each on its own thread and each behaving as an ordinary Sentinel
/// client: ask the sentinels (first that answers) where the master is, connect, and look again
/// after any error.
struct DrillClients: Sendable {
    let plan: DrillPlan
    let keyPrefix: String
    let recorder: DrillRecorder

    /// Writes numbered keys at the plan's rate until the recorder stops; every attempt is recorded.
    func runWriter() {
        var connection: BlockingRedisConnection?
        let value = String(repeating: "x", count: plan.valueBytes)
        paced { number in
            let at: ContinuousClock.Instant
            do {
                let node = try connection ?? connectToMaster()
                connection = node
                let reply = try node.call(["SET", keyPrefix + String(number), String(number) + value, "EX", String(plan.keyTimeToLiveSeconds)])
                at = .now
                if case .error(let message) = reply {
                    recorder.recordWrite(.init(number: number, at: at, node: node.address, acknowledged: false, error: message))
                    connection = nil
                } else {
                    recorder.recordWrite(.init(number: number, at: at, node: node.address, acknowledged: true))
                }
            } catch {
                recorder.recordWrite(.init(number: number, at: .now, node: connection?.address, acknowledged: false, error: "\(error)"))
                connection = nil
            }
        }
    }

    /// Reads the latest acknowledged key from the master at the same rate (a read-your-writes check).
    func runReader() {
        var connection: BlockingRedisConnection?
        paced { number in
            guard let latest = recorder.latestAcknowledged else { return }
            do {
                let node = try connection ?? connectToMaster()
                connection = node
                let reply = try node.call(["GET", keyPrefix + String(latest)])
                switch reply {
                case .error(let message):
                    recorder.recordRead(.init(number: latest, at: .now, node: node.address, acknowledged: false, error: message))
                    connection = nil
                case .null, .nullArray:
                    recorder.recordRead(.init(number: latest, at: .now, node: node.address, acknowledged: false, error: "missing"))
                default:
                    recorder.recordRead(.init(number: latest, at: .now, node: node.address, acknowledged: true))
                }
            } catch {
                recorder.recordRead(.init(number: latest, at: .now, node: connection?.address, acknowledged: false, error: "\(error)"))
                connection = nil
            }
        }
    }

    /// Follows one sentinel's events (`PSUBSCRIBE *`) until the recorder stops, reconnecting when
    /// the link drops.
    func watchEvents(of sentinel: Address) {
        let name = sentinel.description
        for _ in 0..<10_000 where !recorder.isStopping {
            do {
                let connection = try BlockingRedisConnection(to: sentinel, timeoutMilliseconds: 200, credentials: plan.sentinelCredentials)
                _ = try connection.call(["PSUBSCRIBE", "*"])
                recorder.markSubscribed(name)
                while !recorder.isStopping {
                    let message: RESPValue
                    do {
                        message = try connection.receive()
                    } catch let failure as BlockingRedisConnection.Failure where failure.timedOut {
                        continue
                    }
                    guard case .array(let parts) = message, parts.count == 4, parts[0].stringValue == "pmessage",
                          let channel = parts[2].stringValue, let payload = parts[3].stringValue else { continue }
                    recorder.recordEvent(.init(at: .now, sentinel: name, name: channel, detail: payload))
                }
            } catch {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    /// The master's address as the first answering sentinel gives it, connected (and authenticated).
    func connectToMaster() throws -> BlockingRedisConnection {
        var problems: [String] = []
        for sentinel in plan.sentinels {
            do {
                let asking = try BlockingRedisConnection(
                    to: sentinel, timeoutMilliseconds: plan.clientTimeoutMilliseconds, credentials: plan.sentinelCredentials)
                defer { asking.close() }
                let reply = try asking.call(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", plan.masterName])
                guard let master = SentinelReplies.masterAddress(reply) else {
                    problems.append("\(sentinel): no address")
                    continue
                }
                return try BlockingRedisConnection(
                    to: master, timeoutMilliseconds: plan.clientTimeoutMilliseconds, credentials: plan.nodeCredentials)
            } catch {
                problems.append("\(sentinel): \(error)")
            }
        }
        throw BlockingRedisConnection.Failure(description: "no master: " + problems.joined(separator: "; "))
    }

    /// Calls `body` with 1, 2, 3... at the plan's rate until the recorder stops. A late call does
    /// not bunch the next ones up: the schedule restarts from now, as a paced client would.
    private func paced(_ body: (Int) -> Void) {
        let interval = Duration.nanoseconds(1_000_000_000 / max(plan.writesPerSecond, 1))
        var next = ContinuousClock.now
        var number = 0
        while !recorder.isStopping {
            let now = ContinuousClock.now
            if next > now { Thread.sleep(forTimeInterval: seconds(now.duration(to: next))) }
            next = max(next + interval, .now)
            number += 1
            body(number)
        }
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
