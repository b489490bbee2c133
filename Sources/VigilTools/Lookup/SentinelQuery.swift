#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import RESP
import SentinelCore

/// Asks one sentinel where a master is, the way a client would, for `vigil lookup`: an optional
/// AUTH, then `SENTINEL GET-MASTER-ADDR-BY-NAME` and `SENTINEL MASTER` (for the config epoch),
/// pipelined on one connection with one deadline for all of it.
public enum SentinelQuery {
    public struct Credentials: Sendable {
        public var user: String?
        public var password: String
        public init(user: String?, password: String) {
            self.user = user
            self.password = password
        }

        /// `AUTH [user] password`, as Redis and Sentinel take it.
        public var authCommand: [String] { ["AUTH"] + (user.map { [$0] } ?? []) + [password] }
    }

    public static func askMaster(
        named name: String, at sentinel: Address, credentials: Credentials?, timeout: TimeAmount, group: EventLoopGroup
    ) -> MasterLookup.Outcome {
        var commands: [[String]] = []
        if let credentials {
            commands.append(credentials.authCommand)
        }
        commands.append(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", name])
        commands.append(["SENTINEL", "MASTER", name])
        let replies: [RESPValue]
        do {
            replies = try exchange(commands, with: sentinel, timeout: timeout, group: group)
        } catch let error as ChannelError where error == .connectTimeout(timeout) {
            return .failed("no connection within \(timeout.nanoseconds / 1_000_000) ms")
        } catch {
            return .failed(describe(error))
        }
        if credentials != nil, case .error(let message) = replies[0] { return .failed("AUTH refused: \(message)") }
        let address = replies[replies.count - 2]
        let master = replies[replies.count - 1]
        if case .error(let message) = master {
            if message.hasPrefix("ERR No such master") { return .unknownMaster }
            return .failed(message)
        }
        guard let masterAddress = SentinelReplies.masterAddress(address) else {
            if case .error(let message) = address { return .failed(message) }
            if address == .nullArray || address == .null { return .unknownMaster }
            return .failed("unexpected reply to GET-MASTER-ADDR-BY-NAME")
        }
        guard let fields = SentinelReplies.fields(master) else { return .failed("unexpected reply to SENTINEL MASTER") }
        guard let epoch = fields["config-epoch"].flatMap(Int64.init) else { return .failed("SENTINEL MASTER gave no config-epoch") }
        return .master(masterAddress, configEpoch: epoch)
    }

    /// Sends `commands` pipelined and collects one reply each, or throws on a closed connection or
    /// the deadline.
    public static func exchange(_ commands: [[String]], with address: Address, timeout: TimeAmount, group: EventLoopGroup) throws -> [RESPValue] {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: [RESPValue].self)
        let collector = ReplyCollector(expected: commands.count, promise: promise)
        let connected = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HiredisReplyDecoder()))
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: address.host, port: address.port)
        let channel: Channel
        do {
            channel = try connected.wait()
        } catch {
            promise.fail(error)
            throw error
        }
        defer { channel.close(promise: nil) }
        let deadline = eventLoop.scheduleTask(in: timeout) { promise.fail(LookupTimeout(milliseconds: timeout.nanoseconds / 1_000_000)) }
        defer { deadline.cancel() }
        var buffer = channel.allocator.buffer(capacity: 256)
        for command in commands {
            var formatted = HiredisCommand.format(command)
            buffer.writeBuffer(&formatted)
        }
        channel.writeAndFlush(buffer, promise: nil)
        return try promise.futureResult.wait()
    }

    /// NIO's connection errors carry the target and nested wrappers; an operator needs the cause.
    public static func describe(_ error: Error) -> String {
        if let failure = error as? NIOConnectionError {
            if let last = failure.connectionErrors.last { return describe(last.error) }
            if let resolution = failure.dnsAError ?? failure.dnsAAAAError { return "cannot resolve: \(resolution)" }
            return "no connection"
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if let channel = error as? ChannelError, channel == .eof { return "connection closed before the reply" }
        return "\(error)"
    }

    struct LookupTimeout: Error, CustomStringConvertible {
        var milliseconds: Int64
        var description: String { "no reply within \(milliseconds) ms" }
    }

    final class ReplyCollector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = RESPValue
        let expected: Int
        let promise: EventLoopPromise<[RESPValue]>
        var replies: [RESPValue] = []

        init(expected: Int, promise: EventLoopPromise<[RESPValue]>) {
            self.expected = expected
            self.promise = promise
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            replies.append(unwrapInboundIn(data))
            if replies.count == expected { promise.succeed(replies) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ChannelError.eof)
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
    }
}
