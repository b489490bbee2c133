import SentinelCore
import XCTest

/// What many masters at rest cost the timer: the master pings fall into a few phases, so the timer
/// wakes a few dozen times a second rather than every 10 ms, a wakeup before the regular beat
/// visits only the masters that are due, and the beat plans only the visits that have something to
/// do, while every master and replica is still pinged within its interval.
final class AtRestTests: XCTestCase {
    private struct Delivery {
        var at: Instant
        var link: LinkID
        var purpose: RequestPurpose
        var value: RedisValue
    }

    func testManyMastersArePingedTogetherWithinTheirIntervalAndTheTimerWakesRarely() {
        let masters = 50
        // A 250 ms ping interval: shorter than the timer's beat plus the earliness, so that some
        // wakeups come before the beat (at 1 s, as from down-after 4 s on, the beat catches every ping).
        let downAfter: Int64 = 1_000
        var config = SentinelConfig()
        config.myid = String(repeating: "a", count: 40)
        for number in 0..<masters {
            var master = MasterConfig(name: "m\(number)", address: Address(host: "127.0.0.1", port: 7_000 + number), quorum: 1)
            master.downAfterMilliseconds = downAfter
            master.knownReplicas = [Address(host: "127.0.0.1", port: 8_000 + number)]
            config.masters.append(master)
        }
        var now = Instant(milliseconds: 1_000_000)
        var sentinel = Sentinel(config: config, seed: 3, now: now)
        let interval = Sentinel.masterPingInterval(downAfter: downAfter)
        var pending: [Delivery] = []
        var commandLinks: Set<LinkID> = []
        var delay: [LinkID: Int64] = [:]
        var lastReply: [LinkID: Instant] = [:]
        var gaps: [Int64] = []
        var replicaGaps: [Int64] = []
        var replicaLinks: Set<LinkID> = []
        var replicaPorts: [LinkID: Int] = [:]
        var ticks: [Instant] = []
        var partialTicks = 0
        var beatVisits: [Int] = []

        func perform(_ effects: [Effect], now: Instant) -> [Input] {
            var inputs: [Input] = []
            for effect in effects {
                switch effect {
                case .connect(let id, let address, let kind):
                    if kind == .command, address.port >= 8_000 {
                        replicaLinks.insert(id)
                        replicaPorts[id] = address.port
                    } else if kind == .command {
                        commandLinks.insert(id)
                    }
                    // Replies take 1 to 7 ms, different for each master, so that their phases spread.
                    delay[id] = 1 + Int64(address.port % 7)
                    inputs.append(.linkConnected(id, localHost: "127.0.0.1"))
                case .send(let id, let words, let purpose):
                    var value = CoreHarness.healthyReply(to: purpose)
                    if purpose == .info, replicaLinks.contains(id) {
                        let masterPort = (replicaPorts[id] ?? 8_000) - 1_000
                        value = .string("role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:\(masterPort)\r\nmaster_link_status:up\r\n")
                    }
                    if purpose == .ping, commandLinks.contains(id), let last = lastReply[id] { gaps.append(now - last) }
                    if purpose == .ping, replicaLinks.contains(id), let last = lastReply[id] { replicaGaps.append(now - last) }
                    _ = words
                    pending.append(Delivery(at: now + (delay[id] ?? 1), link: id, purpose: purpose, value: value))
                default:
                    break
                }
            }
            return inputs
        }

        func run(_ effects: [Effect]) {
            var inputs = perform(effects, now: now)
            while !inputs.isEmpty {
                let input = inputs.removeFirst()
                inputs += perform(sentinel.handle(input, now: now), now: now)
            }
        }

        var nextTick = now
        let end = now + 10_000
        let measuredFrom = now + 5_000
        while now < end {
            pending.sort { $0.at < $1.at }
            if let first = pending.first, first.at < nextTick {
                pending.removeFirst()
                now = first.at
                // The core counts from the last reply to a PING (Redis's last_pong_time).
                if first.purpose == .ping { lastReply[first.link] = now }
                run(sentinel.handle(.replyReceived(first.link, first.purpose, first.value), now: now))
                continue
            }
            now = nextTick
            if now >= measuredFrom {
                ticks.append(now)
                if let beat = sentinel.nextBeat, now < beat {
                    partialTicks += 1
                } else {
                    beatVisits.append(sentinel.tickPlan(now: now).filter { if case .visit = $0 { true } else { false } }.count)
                }
            }
            run(sentinel.tick(now: now))
            nextTick = now + sentinel.nextTickDelayMilliseconds(now: now)
        }

        XCTAssertEqual(sentinel.masters.filter(\.instance.isSubjectivelyDown).count, 0)
        XCTAssertGreaterThan(gaps.count, masters * 5 * 1_000 / Int(interval))
        // Deadlines a few ms apart share a tick (at most 10 ms late), as before.
        XCTAssertLessThanOrEqual(gaps.max() ?? 0, interval + 10, "no master waits longer than its interval after a reply for its next PING")
        XCTAssertGreaterThanOrEqual(gaps.min() ?? 0, interval - interval / 4, "nor is it pinged more than a quarter early")
        XCTAssertLessThan(ticks.count, 5 * 50, "the timer wakes far less often than every 10 ms: \(ticks.count) ticks in 5 s")
        XCTAssertGreaterThan(partialTicks, 0, "wakeups for a deadline visit only the masters due")
        // Replicas are pinged every second (down-after 1 s), within a beat (at most 100 ms) of it.
        XCTAssertGreaterThan(replicaGaps.count, masters * 4)
        XCTAssertLessThanOrEqual(replicaGaps.max() ?? 0, 1_000 + 100 + 10, "a replica's ping waits at most one beat past its second")
        XCTAssertGreaterThanOrEqual(replicaGaps.min() ?? 0, 1_000, "nor is it pinged early")
        // Of the 100 instances, a beat plans a visit only for those with something due: at this
        // down-after each master four pings a second, each replica one, each instance a hello every
        // 2 s, at 10 to 19 beats a second (about a third of them; every one before).
        let meanBeatVisits = Double(beatVisits.reduce(0, +)) / Double(max(beatVisits.count, 1))
        XCTAssertGreaterThan(beatVisits.count, 40)
        XCTAssertLessThan(meanBeatVisits, Double(2 * masters) / 2, "beats plan \(meanBeatVisits) visits on average")
    }
}
