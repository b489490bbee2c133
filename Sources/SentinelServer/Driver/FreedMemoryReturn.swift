import CMalloc

/// Gives the pages of freed heap memory back to the system every few seconds. glibc's malloc returns
/// only the free space at the top of its heap; freed chunks below live data stay resident however
/// long they go unused, and a start-up with hundreds of masters (thousands of connects, held batches
/// and replies) leaves megabytes of them. jemalloc, which Redis uses, hands such pages back after a
/// short delay of its own; `malloc_trim` does it for glibc, in well under a millisecond at rest.
struct FreedMemoryReturn {
    static let periodMilliseconds: Int64 = 10_000
    private var lastReturnMilliseconds: Int64?

    /// Called from the timer; returns freed pages when a period has passed since the last time.
    mutating func tick(nowMilliseconds: Int64) {
        if let last = lastReturnMilliseconds, nowMilliseconds - last < Self.periodMilliseconds { return }
        lastReturnMilliseconds = nowMilliseconds
        _ = malloc_trim(0)
    }
}
