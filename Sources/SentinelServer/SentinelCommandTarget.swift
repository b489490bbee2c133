import SentinelCore

/// What the client-facing server needs from the sentinel that owns it. Implemented by the driver;
/// every call is made on the server's single event loop, so no locking is involved.
public protocol SentinelCommandTarget: AnyObject {
    /// `SENTINEL <arguments...>` (arguments exclude the word SENTINEL). The reply is final.
    func executeSentinel(_ arguments: [String]) -> Reply
    /// The fake `PUBLISH __sentinel__:hello <payload>` that peers use to send hellos directly.
    func receiveHello(_ payload: String)
    /// The `# Sentinel` section of INFO, lines joined by "\r\n", without the header line.
    func infoSentinelLines() -> [String]
    /// Names of the monitored masters, for ROLE.
    func monitoredMasterNames() -> [String]
    /// SHUTDOWN: flush the config and stop the process.
    func requestShutdown()
    /// ACL SETUSER/DELUSER: the users as `user` line words, written to the config file at once.
    /// Returns whether the file was written.
    func replaceUsers(_ users: [[String]]) -> Bool
}
