import SentinelCore

extension SimulationWorld {
    /// Advances virtual time to `end`, running ticks and deliveries in time order. Bounded: the number
    /// of steps is limited so a bug cannot spin forever.
    public mutating func run(until end: Instant) {
        var steps = 0
        let maxSteps = 2_000_000
        while steps < maxSteps {
            steps += 1
            let live = sentinels.indices.filter { !crashedSentinels.contains($0) && !pausedSentinels.contains($0) }
            let nextSentinelTick = live.min { (nextTick[$0], $0) < (nextTick[$1], $1) }
            let tickAt = nextSentinelTick.map { nextTick[$0] }
            if let delivery = queue.first, tickAt == nil || delivery.at <= tickAt! {
                guard delivery.at <= end else { break }
                _ = queue.pop()
                now = max(now, delivery.at)
                guard !crashedSentinels.contains(delivery.sentinel) else { continue }
                if pausedSentinels.contains(delivery.sentinel) {
                    heldForSentinels[delivery.sentinel, default: []].append(.delivery(delivery.input))
                    continue
                }
                record(delivery.sentinel, handleAsTheDaemonDoes(delivery.sentinel, delivery.input))
            } else if let index = nextSentinelTick, let at = tickAt {
                guard at <= end else { break }
                now = max(now, at)
                record(index, tickAsTheDaemonDoes(index))
                nextTick[index] = now + sentinels[index].nextTickDelayMilliseconds(now: now)
            } else {
                break
            }
        }
        precondition(steps < maxSteps, "simulation exceeded its step bound: \(parameters)")
        now = max(now, end)
    }

    /// One tick, step by step as the daemon's driver runs it, checking the judgements the driver
    /// relies on: a step judged unable to persist (run without an undo copy; the daemon stops if it
    /// ever asks for a write) never does, a decision step judged idle (which the driver skips)
    /// does nothing at all, and a visit a beat leaves out (judged quiet before the beat ran) still
    /// has nothing to do once it has run.
    mutating func tickAsTheDaemonDoes(_ index: Int) -> [Effect] {
        var effects: [Effect] = []
        let isBeat = sentinels[index].nextBeat.map { now >= $0 } ?? true
        let plan = sentinels[index].tickPlan(now: now)
        let leftOut = isBeat ? sentinels[index].visitsLeftOut(of: plan) : []
        defer {
            for target in leftOut where !sentinels[index].visitWouldDoNothing(target, now: now) {
                violations.append("sentinel \(index)'s beat left out a visit that had work once it ran: \(target) at \(now)")
            }
        }
        for step in plan {
            let mayPersist = sentinels[index].mayPersist(step)
            let produced = sentinels[index].tick(step, now: now)
            if !mayPersist && produced.contains(.persistConfig) {
                violations.append("sentinel \(index) asked for a config write in a tick step judged never to: \(step) at \(now)")
            }
            // Scripts due start after any step, so one skipped only starts them a step later.
            let decided = produced.filter { if case .runScript = $0 { false } else { true } }
            if case .decide = step, !mayPersist, !decided.isEmpty {
                violations.append("sentinel \(index)'s decision step judged idle (the daemon skips it) did something: \(step) \(decided) at \(now)")
            }
            effects += produced
        }
        return effects
    }

    /// One input, checking the judgement the driver relies on: an input judged unable to persist
    /// (handled without an undo copy) never asks for a config write.
    mutating func handleAsTheDaemonDoes(_ sentinel: Int, _ input: Input) -> [Effect] {
        let mayPersist = sentinels[sentinel].mayPersist(input)
        let produced = sentinels[sentinel].handle(input, now: now)
        if !mayPersist && produced.contains(.persistConfig) {
            violations.append("sentinel \(sentinel) asked for a config write on an input judged never to: \(input) at \(now)")
        }
        return produced
    }

    mutating func deliver(_ input: Input, to sentinel: Int) {
        let delay = random.below(parameters.maxNetworkDelay + 1)
        deliveryOrder += 1
        var input = input
        // A lost message breaks its connection, as a TCP reset would; the sentinel reconnects.
        if lossActive, parameters.lossPerMille > 0, random.below(1_000) < parameters.lossPerMille {
            switch input {
            case .replyReceived(let id, _, _), .messageReceived(let id, _, _):
                input = .linkClosed(id, reason: "simulated loss")
                links[sentinel][id] = nil
            default:
                break
            }
        }
        queue.push(Delivery(at: now + delay, order: deliveryOrder, sentinel: sentinel, input: input))
    }

    func reachable(_ sentinel: Int, _ endpoint: Endpoint) -> Bool {
        if cuts.contains(Cut(sentinel: sentinel, endpoint: endpoint)) { return false }
        switch endpoint {
        case .node(let node): return !nodes[node].crashed
        case .sentinel(let peer):
            return !crashedSentinels.contains(peer) && !cuts.contains(Cut(sentinel: peer, endpoint: .sentinel(sentinel)))
        }
    }

    /// Carries out a sentinel's effects against the modelled world, then checks the invariants.
    mutating func record(_ sentinel: Int, _ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .connect(let id, let address, let kind):
                guard let endpoint = endpoint(at: address), reachable(sentinel, endpoint) else {
                    deliver(.linkClosed(id, reason: "connection refused"), to: sentinel)
                    continue
                }
                links[sentinel][id] = LinkEnd(endpoint: endpoint, kind: kind)
                deliver(.linkConnected(id, localHost: sentinelAddresses[sentinel].host), to: sentinel)
            case .disconnect(let id):
                links[sentinel][id] = nil
            case .send(let id, let words, let purpose):
                guard let end = links[sentinel][id], reachable(sentinel, end.endpoint) else { continue }
                switch end.endpoint {
                case .node(let node):
                    if nodes[node].paused {
                        heldRequests[node, default: []].append((sentinel, id, purpose, words))
                    } else {
                        answer(sentinel: sentinel, link: id, purpose: purpose, words: words, node: node)
                    }
                case .sentinel(let peer) where pausedSentinels.contains(peer):
                    heldForSentinels[peer, default: []].append(.request(from: sentinel, link: id, purpose: purpose, words: words))
                case .sentinel(let peer):
                    let reply = peerCommand(peer, words)
                    deliver(.replyReceived(id, purpose, reply), to: sentinel)
                }
            case .emit(let event):
                events.append((sentinel, now, event))
                checkEvent(sentinel, event)
            case .persistConfig:
                persisted[sentinel] = sentinels[sentinel].currentConfig()
                if hostility != nil { checkConfigLoads(sentinel) }
            case .log, .terminate, .runScript, .killScript:
                break
            }
        }
        checkEpoch(sentinel)
        checkPeerLinks(sentinel)
    }

    /// A sentinel answering another sentinel: PING, the fake PUBLISH of hellos, SENTINEL commands.
    mutating func peerCommand(_ peer: Int, _ words: [String]) -> RedisValue {
        switch words.first?.uppercased() {
        case "PING":
            return .status("PONG")
        case "PUBLISH" where words.count == 3:
            record(peer, sentinels[peer].receiveHello(words[2], now: now))
            return .integer(1)
        case "SENTINEL" where hostility?.active == true && hostility!.values.chance(hostility!.lyingPeerPerMille):
            return lyingPeerReply()
        case "SENTINEL":
            let outcome = sentinels[peer].execute(sentinelCommand: Array(words.dropFirst()), now: now)
            record(peer, outcome.effects)
            return RedisValue(reply: outcome.reply)
        default:
            return .status("OK")
        }
    }

    mutating func answer(sentinel: Int, link: LinkID, purpose: RequestPurpose, words: [String], node: Int) {
        endExpiredWritePauses(group: groupOfNode[node])
        refreshOffsets(group: groupOfNode[node])
        if holdForWritePause(sentinel: sentinel, link: link, purpose: purpose, words: words, node: node) { return }
        if words.first?.uppercased() == "FAILOVER" {
            deliver(.replyReceived(link, purpose, handOver(from: node, words)), to: sentinel)
            return
        }
        if let reply = answerWritePauseCommand(words, node: node) {
            deliver(.replyReceived(link, purpose, reply), to: sentinel)
            if words.count >= 2, words[1].uppercased() == "UNPAUSE" { releaseHeldByWritePause(node) }
            return
        }
        if ["SLAVEOF", "REPLICAOF"].contains(words.first?.uppercased()), words.count == 3, words[1].uppercased() != "NO",
            let port = Int(words[2])
        {
            checkDemotionLosesNoWrite(node, newMaster: Address(host: words[1], port: port))
        }
        let address = nodes[node].address
        var replicas: [ModelRedisNode] = []
        if words.first?.uppercased() == "INFO" {
            replicas = groups[groupOfNode[node]].nodes.map { nodes[$0] }.filter { $0.role == .replica(of: address) && $0.isUp }
        }
        var value = nodes[node].reply(to: words, replicas: replicas)
        if hostility?.active == true, hostility!.values.chance(hostility!.lyingNodePerMille) {
            value = hostility!.lie(about: value, to: words, realAddresses: nodes.map(\.address), realRunIDs: nodes.map(\.runID))
        }
        deliver(.replyReceived(link, purpose, value), to: sentinel)
        if words.first?.uppercased() == "PUBLISH", words.count == 3 { relayHello(from: node, payload: words[2]) }
    }

    /// Redis's `FAILOVER TO <host> <port> TIMEOUT <ms>` on a master: the target must be a live
    /// replica of it; then the target has every write (the master paused writes until it caught up)
    /// and the two swap roles. The other replicas keep following the old master, now a replica.
    mutating func handOver(from node: Int, _ words: [String]) -> RedisValue {
        guard nodes[node].isMaster else { return .error("ERR FAILOVER is not valid when server is a replica.") }
        guard words.count >= 4, let port = Int(words[3]),
            let target = self.node(at: Address(host: words[2], port: port)), target != node,
            nodes[target].role == .replica(of: nodes[node].address), nodes[target].isUp
        else { return .error("ERR FAILOVER target HOST and PORT is not a replica.") }
        nodes[target].replicationOffset = nodes[node].replicationOffset
        nodes[target].startNewHistory()
        nodes[node].role = .replica(of: nodes[target].address)
        return .status("OK")
    }

    /// A SENTINEL command given to one sentinel, as an operator would; its effects are carried out.
    public mutating func command(sentinel: Int, _ words: [String]) -> Reply {
        guard !crashedSentinels.contains(sentinel) else { return .error("ERR crashed") }
        let outcome = sentinels[sentinel].execute(sentinelCommand: words, now: now)
        record(sentinel, outcome.effects)
        return outcome.reply
    }

    /// A PUBLISH on a node reaches every sentinel subscribed there through its pub/sub link, and, as
    /// Redis propagates PUBLISH to replicas, every sentinel subscribed on a live replica that
    /// replicates from the node with no cut between them.
    mutating func relayHello(from node: Int, payload: String) {
        var receivers = [node]
        if nodes[node].isMaster {
            receivers += groups[groupOfNode[node]].nodes.filter { replica in
                nodes[replica].role == .replica(of: nodes[node].address) && nodes[replica].isUp
                    && !nodeCuts.contains([min(node, replica), max(node, replica)])
            }
        }
        for receiver in receivers {
            for subscriber in sentinels.indices where reachable(subscriber, .node(receiver)) {
                for (id, end) in links[subscriber].sorted(by: { $0.key < $1.key })
                where end.kind == .pubsub && end.endpoint == .node(receiver) {
                    deliver(.messageReceived(id, channel: Sentinel.helloChannel, payload: payload), to: subscriber)
                }
            }
        }
    }

    /// Writes move the master's offset on; live replicas of a live master follow it unless a cut
    /// lies between them. Replication stays within a group, so only the group of the node asked is
    /// brought up to date.
    mutating func refreshOffsets(group: Int) {
        for master in groups[group].nodes where nodes[master].isMaster && nodes[master].isUp {
            if !nodes[master].writesPaused(at: now) {
                nodes[master].replicationOffset = max(nodes[master].replicationOffset, now.milliseconds)
            }
            for replica in groups[group].nodes where nodes[replica].role == .replica(of: nodes[master].address) && nodes[replica].isUp {
                if nodeCuts.contains([min(master, replica), max(master, replica)]) {
                    let since = replicationCutAt[replica] ?? now
                    replicationCutAt[replica] = since
                    nodes[replica].masterLinkDownSeconds = (now - since) / 1_000
                    continue
                }
                replicationCutAt[replica] = nil
                nodes[replica].masterLinkDownSeconds = nil
                // Replicas trail the stream by a few writes; while the master takes none they catch
                // up, though not always by the next look.
                let paused = nodes[master].writesPaused(at: now)
                let behind = paused && random.below(3) != 0 ? 0 : random.below(50)
                nodes[replica].replicationOffset = max(nodes[replica].replicationOffset, nodes[master].replicationOffset - behind)
                nodes[replica].replicationID = nodes[master].replicationID
            }
        }
    }
}

extension RedisValue {
    /// A sentinel's reply as another sentinel's link would decode it.
    init(reply: Reply) {
        switch reply {
        case .simple(let text): self = .status(text)
        case .error(let text): self = .error(text)
        case .integer(let number): self = .integer(number)
        case .bulk(let text), .verbatim(let text): self = .string(text)
        case .nullBulk, .nullArray: self = .null
        case .array(let items), .map(let items): self = .array(items.map(RedisValue.init(reply:)))
        }
    }
}
