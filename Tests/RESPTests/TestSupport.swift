import NIOCore
import RESP

extension RESPRequestFrame {
    static func command(_ words: String...) -> RESPRequestFrame { .command(words.map { Array($0.utf8) }) }
    /// The frame for Redis's `-ERR Protocol error: <message>`.
    static func redisError(_ message: String) -> RESPRequestFrame { .protocolError("Protocol error: " + message) }
}

extension RESPValue {
    func encoded(_ version: RESPProtocolVersion) -> String {
        var buffer = ByteBuffer()
        write(to: &buffer, protocolVersion: version)
        return String(buffer: buffer)
    }
}

/// Every frame one buffer yields, stopping after the first failure (the server closes there).
func requestFrames(
    _ input: ByteBuffer, limits: RESPRequestLimits = .redisDefaults, authenticated: Bool = true
) -> [RESPRequestFrame] {
    var parser = RESPRequestParser(limits: limits)
    parser.requiresAuthentication = !authenticated
    var buffer = input
    var result: [RESPRequestFrame] = []
    // Bounded: every command consumes bytes, and a failure ends the loop.
    for _ in 0...input.readableBytes {
        guard let frame = parser.next(from: &buffer) else { break }
        result.append(frame)
        guard case .command = frame else { break }
    }
    return result
}

/// Every reply in `text`, read by one HiredisReplyReader in one piece.
func hiredisReplies(_ text: String) throws -> [RESPValue] {
    let reader = HiredisReplyReader()
    reader.feed(ByteBuffer(string: text))
    var values: [RESPValue] = []
    // Bounded: every reply consumes bytes.
    for _ in 0...text.utf8.count {
        guard let value = try reader.next() else { break }
        values.append(value)
    }
    return values
}
