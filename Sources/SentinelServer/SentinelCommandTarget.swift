import SentinelCore

/// What the client-facing server needs from the sentinel that owns it. Implemented by the driver;
/// every call is made on the server's single event loop, so no locking is involved.
///
/// Answers come through callbacks: at once (before the call returns) when no config write is
/// pending, otherwise once every change queued before the call is durable, so that no reply reveals
/// a state the disk does not have yet.
public protocol SentinelCommandTarget: AnyObject {
    /// `SENTINEL <arguments...>` (arguments exclude the word SENTINEL). `reply` is called once.
    func executeSentinel(_ arguments: [String], reply: @escaping (Reply) -> Void)
    /// `SENTINEL GET-MASTER-ADDR-BY-NAME <name>` (the name's UTF-8 bytes) answered at once, when it
    /// can be: `.mustWait` while a change queued before it waits for the disk (`executeSentinel`
    /// then answers it in order). For clients that look the master up on every connect.
    func lookUpMasterAddressNow(utf8 name: UnsafeRawBufferPointer) -> ImmediateLookup
    /// The fake `PUBLISH __sentinel__:hello <payload>` that peers use to send hellos directly.
    func receiveHello(_ payload: String)
    /// Runs `compute` (which may read `infoSentinelLines()` and `monitoredMasterNames()`) in order
    /// with the sentinel's own work, and hands its result to `deliver` once every change before it is
    /// durable. `compute` may run again if a write before it fails (the state was restored).
    func inOrder<Value>(_ compute: @escaping () -> Value, deliver: @escaping (Value) -> Void)
    /// The `# Sentinel` section of INFO, lines joined by "\r\n", without the header line.
    func infoSentinelLines() -> [String]
    /// Names of the monitored masters, for ROLE.
    func monitoredMasterNames() -> [String]
    /// SHUTDOWN: flush the config and stop the process.
    func requestShutdown()
    /// ACL SETUSER/DELUSER: `change` gets the users (the config's `user` line words) as every
    /// earlier change leaves them and returns the new ones, or nil to write nothing. `done(true)`
    /// once they are on disk (or nothing was to be written); `done(false)` when the write failed, in
    /// which case nothing changed and nothing will be written later. `change` may run more than once.
    func changeUsers(_ change: @escaping ([[String]]) -> [[String]]?, done: @escaping (_ written: Bool) -> Void)
}

/// A lookup answered at once, or not.
public enum ImmediateLookup: Equatable {
    case mustWait
    case noSuchMaster
    case address(Address)
}

extension SentinelCommandTarget {
    /// Targets without the shortcut answer every lookup through `executeSentinel`.
    public func lookUpMasterAddressNow(utf8 name: UnsafeRawBufferPointer) -> ImmediateLookup { .mustWait }
}
