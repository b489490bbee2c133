// Shared by the hello and INFO targets: one Sentinel core driven through its public API, playing the
// shell's part (links connect at once, pings are answered when asked), on a virtual clock.
import SentinelCore

struct CoreDriver {
    /// Two masters: `mymaster` with quorum 1 and no peers, so a fuzzer that stops answering pings can
    /// take it through a whole failover alone; `other` with a known peer sentinel and a replica.
    static let configText = """
        port 26379
        sentinel myid 1111111111111111111111111111111111111111
        sentinel monitor mymaster 127.0.0.1 6379 1
        sentinel down-after-milliseconds mymaster 1000
        sentinel failover-timeout mymaster 10000
        sentinel known-replica mymaster 127.0.0.1 6380
        sentinel monitor other 127.0.0.1 7000 2
        sentinel known-replica other 127.0.0.1 7001
        sentinel known-sentinel other 127.0.0.1 26380 2222222222222222222222222222222222222222

        """

    var sentinel: Sentinel
    var now = Instant(milliseconds: 1_000_000)
    /// Command links in the order the core opened them.
    var commandLinks: [LinkID] = []
    /// The command links the core has sent INFO on (masters and replicas, not peer sentinels), in the
    /// order of their first INFO: only these can see an INFO reply.
    var infoLinks: [LinkID] = []
    var unansweredPings: [LinkID] = []
    /// mymaster's master when the core started.
    var firstCommandLink: LinkID?

    init() {
        let config: SentinelConfig
        do {
            config = try ConfigFile.parse(CoreDriver.configText)
        } catch {
            fatalError("CoreDriver: the base config is rejected: \(error)")
        }
        sentinel = Sentinel(config: config, seed: 1, now: now)
        absorb(sentinel.start(now: now))
        absorb(sentinel.tick(now: now))
        firstCommandLink = commandLinks.first
    }

    /// Plays the shell for `effects`: every connect succeeds at once; pings are remembered to be answered.
    mutating func absorb(_ effects: [Effect]) {
        var queue = effects[...]
        while let effect = queue.popFirst() {
            switch effect {
            case .connect(let id, _, let kind):
                if kind == .command { commandLinks.append(id) }
                queue.append(contentsOf: sentinel.handle(.linkConnected(id, localHost: "127.0.0.1"), now: now))
            case .disconnect(let id):
                commandLinks.removeAll { $0 == id }
                infoLinks.removeAll { $0 == id }
                unansweredPings.removeAll { $0 == id }
            case .send(let id, _, .info):
                if !infoLinks.contains(id) { infoLinks.append(id) }
            case .send(let id, _, .ping):
                unansweredPings.append(id)
            default:
                break
            }
        }
    }

    /// Ticks every 100 ms, as the daemon does: a longer gap would put the core in TILT.
    mutating func advance(milliseconds: Int64) {
        var left = milliseconds
        while left > 0 {
            let step = min(left, 100)
            now = now + step
            left -= step
            absorb(sentinel.tick(now: now))
        }
    }

    /// Answers the pings sent so far, but those on `silent` (a master made to look dead).
    mutating func answerPings(except silent: LinkID? = nil) {
        let pings = unansweredPings
        unansweredPings = pings.filter { $0 == silent }
        for id in pings where id != silent {
            absorb(sentinel.handle(.replyReceived(id, .ping, .status("PONG")), now: now))
        }
    }

    /// The state must still answer the read-only commands and render a config that loads again, and
    /// that config rewritten over itself must not change.
    func checkAnswersAndConfig() {
        var probe = sentinel
        for command in [["MASTERS"], ["REPLICAS", "mymaster"], ["SENTINELS", "other"], ["GET-MASTER-ADDR-BY-NAME", "mymaster"],
                        ["CKQUORUM", "other"], ["MASTER", "mymaster"]] {
            _ = probe.execute(sentinelCommand: command, now: now)
        }
        _ = sentinel.infoSentinelLines(now: now)
        let rendered = ConfigFile.rewrite(existing: CoreDriver.configText, with: sentinel.currentConfig())
        let parsed: SentinelConfig
        do {
            parsed = try ConfigFile.parse(rendered)
        } catch {
            fatalError("CoreDriver: the config rendered from the core's state is rejected: \(error.fatalReport)\n--- rendered:\n\(rendered)")
        }
        let again = ConfigFile.rewrite(existing: rendered, with: parsed)
        guard again == rendered else {
            fatalError("CoreDriver: the rendered config changes when rewritten\n--- rendered:\n\(rendered)\n--- rewritten:\n\(again)")
        }
    }
}
