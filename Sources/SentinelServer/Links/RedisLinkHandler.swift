#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOSSL
import RESP
import SentinelCore

/// The inbound end of one connection to a Redis node or a peer: matches replies to the purposes of
/// the requests, in order, and tells pub/sub messages apart. It reports to the driver and decides nothing.
final class RedisLinkHandler: ChannelInboundHandler {
    typealias InboundIn = RESPValue

    private let linkID: LinkID
    private let kind: LinkKind
    private let report: (Input) -> Void
    private var pendingPurposes: [RequestPurpose] = []
    private var pendingStart = 0
    private var closedReported = false
    /// Why the peer's certificate was refused, when the link uses TLS.
    let tlsDiagnosis = TLSDiagnosis()
    /// Told once per link of a failed TLS handshake, with the reason in words.
    var onTLSFailure: (String) -> Void = { _ in }

    init(linkID: LinkID, kind: LinkKind, report: @escaping (Input) -> Void) {
        self.linkID = linkID
        self.kind = kind
        self.report = report
    }

    func expect(_ purpose: RequestPurpose) { pendingPurposes.append(purpose) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if kind == .pubsub, let message = Self.pubsubMessage(value) {
            report(.messageReceived(linkID, channel: message.channel, payload: message.payload))
            return
        }
        guard pendingStart < pendingPurposes.count else {
            // A reply nobody asked for means the peer does not speak the protocol we expect.
            context.close(promise: nil)
            return
        }
        let purpose = pendingPurposes[pendingStart]
        pendingStart += 1
        if pendingStart > 64 && pendingStart * 2 > pendingPurposes.count {
            pendingPurposes.removeFirst(pendingStart)
            pendingStart = 0
        }
        report(.replyReceived(linkID, purpose, RedisValue(value)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        reportClosed("connection closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is NIOSSLError || error is BoringSSLError {
            let reason = "TLS handshake failed: " + (tlsDiagnosis.reason ?? "\(error)")
            onTLSFailure(reason)
            reportClosed(reason)
        } else {
            reportClosed("\(error)")
        }
        context.close(promise: nil)
    }

    func reportClosed(_ reason: String) {
        guard !closedReported else { return }
        closedReported = true
        report(.linkClosed(linkID, reason: reason))
    }

    /// `message <channel> <payload>` in RESP2, or the same as a RESP3 push.
    static func pubsubMessage(_ value: RESPValue) -> (channel: String, payload: String)? {
        let items: [RESPValue]
        switch value {
        case .array(let elements), .push(let elements): items = elements
        default: return nil
        }
        guard items.count == 3, items[0].stringValue == "message",
            let channel = items[1].stringValue, let payload = items[2].stringValue
        else { return nil }
        return (channel, payload)
    }
}

extension RedisValue {
    /// What the core needs of a reply: text, numbers and nesting.
    init(_ value: RESPValue) {
        switch value {
        case .simpleString(let text): self = .status(text)
        case .error(let text): self = .error(text)
        case .integer(let number): self = .integer(number)
        case .bulkString(let bytes): self = .string(String(decoding: bytes, as: UTF8.self))
        case .null, .nullArray: self = .null
        case .array(let items), .set(let items), .push(let items), .map(let items): self = .array(items.map(RedisValue.init))
        case .verbatim(let text): self = .string(text)
        }
    }
}

/// Filled in while a TLS handshake verifies the peer's chain, so a refusal can say why: expired,
/// not yet valid, or not signed by a trusted CA (BoringSSL itself only says the verification failed).
final class TLSDiagnosis: @unchecked Sendable {
    var reason: String?

    func note(_ result: NIOSSLVerificationResult, _ certificate: NIOSSLCertificate) -> NIOSSLVerificationResult {
        guard result == .failed, reason == nil else { return result }
        let now = time(nil)
        let subject = certificate.description
        if certificate.notValidAfter < now {
            reason = "the peer's certificate has expired (\(subject))"
        } else if certificate.notValidBefore > now {
            reason = "the peer's certificate is not valid yet (\(subject))"
        } else {
            reason = "the peer's certificate is not signed by a CA in tls-ca-cert-file or tls-ca-cert-dir (\(subject))"
        }
        return result
    }
}
