import NIOCore
import RESP
import SentinelCore

/// Redis's checkClientOutputBufferLimits for one client: over the hard limit is over at once; over the
/// soft limit counts from the first time it is seen, and is over once that lasts more than the
/// limit's seconds. Seen under the soft limit, the count starts again.
struct OutputBufferWatch {
    private(set) var softLimitReachedAt: NIODeadline?

    mutating func isOverLimit(pendingBytes: Int, limit: OutputBufferLimit, now: NIODeadline) -> Bool {
        let overHard = limit.hardBytes > 0 && pendingBytes >= limit.hardBytes
        guard limit.softBytes > 0 && pendingBytes >= limit.softBytes else {
            softLimitReachedAt = nil
            return overHard
        }
        guard let since = softLimitReachedAt else {
            softLimitReachedAt = now
            return overHard
        }
        // Whole seconds, as Redis counts them.
        let elapsedSeconds = (now - since).nanoseconds / 1_000_000_000
        return overHard || elapsedSeconds > Int64(limit.softSeconds)
    }
}

extension ClientServerContext {
    /// Called after output is queued for a client, as Redis checks when it adds a reply: a client over
    /// its class's limit is closed now, its pending output dropped, and Redis's line logged.
    func enforceOutputLimit(_ client: ClientRecord) {
        let limits = configuration.clientLimits.outputBuffer
        let limit = client.isSubscribed ? limits.pubsub : limits.normal
        // Without a bound (the normal class's default) there is nothing to count or time. Asked
        // first: this runs after every reply, and the channel's state is a call away.
        guard limit.hardBytes > 0 || limit.softBytes > 0 else {
            client.outputWatch = OutputBufferWatch()
            return
        }
        guard !client.closingForOutputLimit, client.channel.isActive else { return }
        let now = NIODeadline.now()
        guard client.outputWatch.isOverLimit(pendingBytes: client.pendingOutputBytes, limit: limit, now: now) else { return }
        client.closingForOutputLimit = true
        log(.warning, "Client \(client.listLine(now: now)) scheduled to be closed ASAP for overcoming of output buffer limits.")
        client.channel.close(promise: nil)
    }

    /// Redis's line for a client closed over client-query-buffer-limit (readQueryFromClient), with
    /// the first bytes of what it sent and was not yet run.
    func logQueryBufferLimitReached(_ client: ClientRecord, initialBytes: [UInt8]) {
        log(.warning, "Closing client that reached max query buffer length: \(client.listLine(now: .now())) "
            + "(qbuf initial bytes: \(RedisRepr.quoted(initialBytes.prefix(RequestInput.bytesShownAtLimit))))")
    }

    /// Redis's clientsCronHandleTimeout: with `timeout` set, a client idle for more than that many
    /// whole seconds is closed, unless it is subscribed: subscribers wait for messages by design.
    func closeIdleClients(now: NIODeadline) {
        let timeout = Int64(configuration.clientLimits.idleTimeoutSeconds)
        guard timeout > 0 else { return }
        for client in registry.ordered where !client.isSubscribed {
            guard (now - client.lastInteraction).nanoseconds / 1_000_000_000 > timeout else { continue }
            log(.verbose, "Closing idle client")
            client.channel.close(promise: nil)
        }
    }
}
