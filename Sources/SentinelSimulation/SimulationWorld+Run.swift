import SentinelCore

extension SimulationWorld {
    /// Advances virtual time to `end`, running ticks and deliveries in time order. Bounded: the number
    /// of steps is limited so a bug cannot spin forever.
    public mutating func run(until end: Instant) {
        var steps = 0
        let maxSteps = 5_000_000
        while steps < maxSteps {
            steps += 1
            let nextSentinelTick = nextTick.enumerated().min { $0.element < $1.element }!
            let nextDelivery = queue.indices.min { (queue[$0].at, queue[$0].order) < (queue[$1].at, queue[$1].order) }
            if let d = nextDelivery, queue[d].at <= nextSentinelTick.element {
                guard queue[d].at <= end else { break }
                let delivery = queue.remove(at: d)
                now = max(now, delivery.at)
                let produced = sentinels[delivery.sentinel].handle(delivery.input, now: now)
                record(delivery.sentinel, produced)
            } else {
                guard nextSentinelTick.element <= end else { break }
                let index = nextSentinelTick.offset
                now = max(now, nextSentinelTick.element)
                record(index, sentinels[index].tick(now: now))
                nextTick[index] = now + sentinels[index].nextTickDelayMilliseconds()
            }
        }
        precondition(steps < maxSteps, "simulation exceeded its step bound: \(parameters)")
        now = max(now, end)
    }

    mutating func deliver(_ input: Input, to sentinel: Int) {
        let delay = random.below(parameters.maxNetworkDelay + 1)
        deliveryOrder += 1
        queue.append(Delivery(at: now + delay, order: deliveryOrder, sentinel: sentinel, input: input))
    }

    /// Carries out a sentinel's effects against the modelled nodes.
    mutating func record(_ sentinel: Int, _ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .connect(let id, let address, let kind):
                guard let node = node(at: address), !nodes[node].crashed else {
                    deliver(.linkClosed(id, reason: "connection refused"), to: sentinel)
                    continue
                }
                links[sentinel][id] = LinkEnd(node: node, kind: kind)
                deliver(.linkConnected(id, localHost: "10.0.9.\(sentinel + 1)"), to: sentinel)
            case .disconnect(let id):
                links[sentinel][id] = nil
            case .send(let id, let words, let purpose):
                guard let end = links[sentinel][id] else { continue }
                if nodes[end.node].paused {
                    heldRequests[end.node, default: []].append((sentinel, id, purpose, words))
                } else {
                    answer(sentinel: sentinel, link: id, purpose: purpose, words: words, node: end.node)
                }
            case .emit(let event):
                events.append((sentinel, now, event))
            case .persistConfig, .log, .terminate:
                break
            }
        }
    }

    mutating func answer(sentinel: Int, link: LinkID, purpose: RequestPurpose, words: [String], node: Int) {
        let replicas = nodes.filter { if case .replica = $0.role { return true } else { return false } }
        let value = nodes[node].reply(to: words, replicas: replicas)
        deliver(.replyReceived(link, purpose, value), to: sentinel)
    }

    // MARK: Faults

    public mutating func pause(node: Int) { nodes[node].paused = true }

    public mutating func resume(node: Int) {
        nodes[node].paused = false
        for held in heldRequests.removeValue(forKey: node) ?? [] where links[held.sentinel][held.link] != nil {
            answer(sentinel: held.sentinel, link: held.link, purpose: held.purpose, words: held.words, node: node)
        }
    }

    public mutating func crash(node: Int) {
        nodes[node].crashed = true
        heldRequests[node] = nil
        for sentinel in links.indices {
            for (id, end) in links[sentinel] where end.node == node {
                links[sentinel][id] = nil
                deliver(.linkClosed(id, reason: "connection reset"), to: sentinel)
            }
        }
    }

    public mutating func restart(node: Int) {
        nodes[node].crashed = false
        nodes[node].paused = false
        nodes[node].runID = random.hexIdentifier()
    }

    public mutating func randomBelow(_ bound: Int64) -> Int64 { random.below(bound) }
}
