import SentinelCore
import XCTest

/// What many masters at rest cost the timer: the master pings fall into a few phases, so the timer
/// wakes a few dozen times a second rather than every 10 ms, and a wakeup before the regular beat
/// visits only the masters that are due, while every master is still pinged within its interval.
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
        var ticks: [Instant] = []
        var partialTicks = 0

        func perform(_ effects: [Effect], now: Instant) -> [Input] {
            var inputs: [Input] = []
            for effect in effects {
                switch effect {
                case .connect(let id, let address, let kind):
                    if kind == .command { commandLinks.insert(id) }
                    // Replies take 1 to 7 ms, different for each master, so that their phases spread.
                    delay[id] = 1 + Int64(address.port % 7)
                    inputs.append(.linkConnected(id, localHost: "127.0.0.1"))
                case .send(let id, let words, let purpose):
                    let value = CoreHarness.healthyReply(to: purpose)
                    if purpose == .ping, commandLinks.contains(id), let last = lastReply[id] { gaps.append(now - last) }
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
                if sentinel.tickPlan(now: now).count < sentinel.tickPlan().count { partialTicks += 1 }
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
    }
}
