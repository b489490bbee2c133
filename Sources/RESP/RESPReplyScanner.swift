import NIOCore

/// Finds where the next complete reply ends, without building it, and remembers its progress so
/// a large reply arriving in many pieces is walked once.
struct RESPReplyScanner {
    /// Deeper nesting than any Redis reply uses is refused, which also bounds the decoder's recursion.
    static let maxNestingDepth = 32

    enum Outcome: Equatable {
        case needMore
        case malformed(String)
        /// The reply is the first `length` unread bytes.
        case complete(length: Int, usesRESP3: Bool, depth: Int)
    }

    /// Bytes of the current reply already walked, from the reader index.
    private var walkedBytes = 0
    /// For each open aggregate, how many of its children have not been seen yet.
    private var childrenLeft: [Int] = []
    private var usesRESP3 = false
    private var deepest = 0

    /// Walks the unread bytes; the caller must not change bytes already walked between calls.
    mutating func scan(_ bytes: ByteBufferView) -> Outcome {
        // Each pass consumes one item's bytes, so the loop is bounded by the input.
        while true {
            switch RESPReplyItem.parse(bytes, at: bytes.startIndex + walkedBytes) {
            case .needMore:
                return .needMore
            case .malformed(let message):
                return .malformed(message)
            case .item(let item):
                walkedBytes = item.end - bytes.startIndex
                usesRESP3 = usesRESP3 || item.isRESP3Only
                if item.childCount > 0 {
                    childrenLeft.append(item.childCount)
                    deepest = max(deepest, childrenLeft.count)
                    if childrenLeft.count > Self.maxNestingDepth {
                        return .malformed("No support for nested replies with depth > \(Self.maxNestingDepth)")
                    }
                    continue
                }
                // A finished item completes its parent when it was the parent's last child, and so on up.
                while let last = childrenLeft.last, last == 1 { childrenLeft.removeLast() }
                if childrenLeft.isEmpty {
                    let outcome = Outcome.complete(length: walkedBytes, usesRESP3: usesRESP3, depth: deepest)
                    self = RESPReplyScanner()
                    return outcome
                }
                childrenLeft[childrenLeft.count - 1] -= 1
            }
        }
    }
}
