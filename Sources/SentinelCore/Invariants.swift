/// The election's safety rules, checked where this sentinel changes its own state, and kept on in
/// release builds (TigerBeetle's style: an assertion is a force multiplier for finding bugs, and a
/// broken invariant must stop the process rather than let it act on corrupt state). A sentinel that
/// crashes is replaced by its peers; one that votes twice in an epoch can elect two leaders, and one
/// that leads twice in an epoch can publish two configurations under one config epoch, which hellos
/// never reconcile.
///
/// Only this sentinel's own transitions are checked. What peers, nodes and clients say (a hello with
/// an absurd epoch, a vote reply naming another leader, a lying INFO) is input: it is refused or
/// ignored where it enters, so no peer can trip these. A restart starts from the config file, and a
/// failed config write puts back the whole core as it was (nothing of the undone state was
/// announced); neither is a transition these watch.
///
/// `fatalError`, not `precondition`: both stay on in `-O` builds, but `precondition` then traps
/// without its message, and a crash report must say which rule broke and with what values.
enum Invariant {
    /// The current epoch is the election's clock: a vote or a failover is only as new as its epoch,
    /// and peers trust a higher one. Going back would let this sentinel vote or lead again in epochs
    /// it has already used (within a process; the config file carries it across restarts).
    static func epochNeverDecreases(from old: Int64, to new: Int64, file: StaticString = #fileID, line: UInt = #line) {
        guard new >= old else { broken("the current epoch went back from \(old) to \(new)", file, line) }
    }

    /// One vote per master per epoch (§3.5): a vote is only recorded in an epoch newer than the last
    /// one voted in, so it can never change within an epoch. It is also never in an epoch beyond the
    /// current one, which reaches the disk with it.
    static func votesOncePerEpoch(master: String, lastVoteEpoch: Int64, epoch: Int64, currentEpoch: Int64,
                                  file: StaticString = #fileID, line: UInt = #line) {
        guard epoch > lastVoteEpoch else {
            broken("a second vote for '\(master)' in epoch \(epoch), after one in epoch \(lastVoteEpoch)", file, line)
        }
        guard epoch <= currentEpoch else {
            broken("a vote for '\(master)' in epoch \(epoch), beyond the current epoch \(currentEpoch)", file, line)
        }
    }

    /// At most one leadership per master per epoch: two failovers led in one epoch would promote two
    /// replicas under one config epoch.
    static func leadsOncePerEpoch(master: String, lastLedEpoch: Int64, epoch: Int64, file: StaticString = #fileID, line: UInt = #line) {
        guard epoch > lastLedEpoch else {
            broken("a failover of '\(master)' led in epoch \(epoch), after one led in epoch \(lastLedEpoch)", file, line)
        }
    }

    /// A master's configuration is replaced only by a newer one: peers pick the configuration with
    /// the highest config epoch, so going back would announce one they have already passed. It is
    /// never ahead of the current epoch either (a config epoch is always some sentinel's epoch).
    static func configEpochNeverDecreases(master: String, from old: Int64, to new: Int64, currentEpoch: Int64,
                                          file: StaticString = #fileID, line: UInt = #line) {
        guard new >= old else { broken("the config epoch of '\(master)' went back from \(old) to \(new)", file, line) }
        guard new <= currentEpoch else {
            broken("the config epoch of '\(master)' became \(new), beyond the current epoch \(currentEpoch)", file, line)
        }
    }

    /// Named after the caller's line, not this file's. Only ever reached when a check fails, so the
    /// message is built only then.
    @inline(never)
    static func broken(_ rule: String, _ file: StaticString, _ line: UInt) -> Never {
        fatalError("Invariant broken: \(rule)", file: file, line: line)
    }
}
