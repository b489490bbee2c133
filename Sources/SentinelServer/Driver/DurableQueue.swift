import NIOCore
import SentinelCore

/// Raft's Ready/Advance order for the core's batches, with the disk off the event loop.
///
/// A batch is one call into the core (an input, a part of a tick, a client command) with the effects
/// it returned and what to tell its client. A batch that asks for a config write is held until the
/// write is durable, and so is every batch after it, whatever it is: sends, events, replies and reads
/// all leave in order, and nobody hears of a state the disk does not have. While a write is in flight
/// the loop keeps serving: later batches run at once against the state as it will be once the write
/// succeeds, and wait; the persists among them share the next write (coalescing).
///
/// A failed write leaves memory as it was: the core goes back to the copy taken before the first
/// batch the write covered, the persisting batches it covered are dropped (their logs kept, their
/// clients told the save failed), and every other held batch runs again on the restored state (a
/// pong, a part of a tick or a read depends on no write; running it again gives what it would have
/// given had the failed batch never run).
final class DurableQueue {
    /// What a batch asked for, and how to finish it once its fate is known (`durable` false: its
    /// write failed and it was undone).
    struct Outcome {
        var effects: [Effect]
        var finish: ((_ durable: Bool) -> Void)?
    }

    private struct Batch {
        /// Runs the work against the core again (after a failed write restored it).
        var run: () -> Outcome
        /// The core before this batch, when it may be restored to it: only the first batch a write
        /// to come would cover keeps one (see `submit`); nil for work that never persists.
        var before: Sentinel?
        var outcome: Outcome
        var persists: Bool
        /// The write in flight includes this batch's state.
        var covered = false
        var durable = false
    }

    /// A ring, not an array: a start with a thousand masters holds thousands of batches behind a
    /// write, and taking each from the front of an array moved all the others (most of the CPU then).
    private var held = CircularBuffer<Batch>()
    /// Some held batch persisted and no write covers it yet: a write is due, and a new batch needs no
    /// undo copy (the same write will cover it). Kept rather than searched for on every submit.
    private var uncoveredPersists = false
    private var writing = false
    /// The core; the queue restores it when a write fails.
    private let core: Core
    /// Carries out a released batch's effects.
    private let perform: ([Effect]) -> Void
    /// Starts one write of the current state; `done` is called on the loop with nil or the error.
    private let write: (_ done: @escaping (Error?) -> Void) -> Void
    private let failed: (Error) -> Void

    /// Access to the driver's core value.
    struct Core {
        var get: () -> Sentinel
        var set: (Sentinel) -> Void
    }

    init(core: Core, perform: @escaping ([Effect]) -> Void, write: @escaping (@escaping (Error?) -> Void) -> Void,
         failed: @escaping (Error) -> Void) {
        self.core = core
        self.perform = perform
        self.write = write
        self.failed = failed
    }

    /// Nothing waits for the disk: a batch that does not persist is carried out at once.
    var isIdle: Bool { held.isEmpty && !writing }

    /// How many batches the ring has room for (the tests check that a burst's room is given back).
    var heldCapacity: Int { held.capacity }

    /// Runs `work` against the core now; its effects and `finish` follow at once when nothing waits
    /// for the disk and it does not persist, otherwise after the writes before and including its own.
    /// `neverPersists` skips the undo copy (a copy makes the core's next change copy its arrays).
    ///
    /// A failed write restores the copy of the first persisting batch it covered (the front of the
    /// queue then: see `writeFailed`), so a batch takes one only when no batch not yet covered by a
    /// write has persisted before it: a later one is covered by the same write as that batch. And a
    /// batch that did not persist drops its copy at once. With a write in flight during a burst (a
    /// start with hundreds of masters), a copy per held batch, each made distinct by the next change,
    /// took hundreds of MB at the peak.
    func submit(neverPersists: Bool = false, _ work: @escaping () -> Outcome) {
        let needsCopy = !neverPersists && !uncoveredPersists
        var before = needsCopy ? core.get() : nil
        let outcome = work()
        let persists = outcome.effects.contains(.persistConfig)
        if persists && neverPersists {
            fatalError("A batch declared as never persisting asked for a config write; it could not be undone if the write failed")
        }
        if !persists {
            before = nil
            if isIdle {
                perform(outcome.effects)
                outcome.finish?(true)
                return
            }
        }
        held.append(Batch(run: work, before: before, outcome: outcome, persists: persists))
        if persists { uncoveredPersists = true }
        startWriteIfNeeded()
    }

    private func startWriteIfNeeded() {
        // With no write in flight every covered batch is durable (or was dropped when its write
        // failed), so a persisting batch not yet durable is one no write covers.
        guard !writing, uncoveredPersists else { return }
        // The write renders the core as it is now: every held batch's state is in it.
        for index in held.indices { held[index].covered = true }
        uncoveredPersists = false
        writing = true
        write { [self] error in
            writing = false
            if let error { writeFailed(error) } else { writeSucceeded() }
        }
    }

    private func writeSucceeded() {
        for index in held.indices where held[index].covered { held[index].durable = true }
        releaseReady()
        startWriteIfNeeded()
    }

    /// Carries out held batches from the front, up to the first whose write is still to come.
    private func releaseReady() {
        while let first = held.first, !first.persists || first.durable {
            held.removeFirst()
            // Effects may feed new input (a script started) that queues behind what is still held.
            perform(first.outcome.effects)
            first.outcome.finish?(true)
        }
        // A start with hundreds of masters holds thousands of batches behind its first write, and a
        // ring never gives back what it grew to: at rest it then kept megabytes it no longer needs.
        if held.isEmpty && held.capacity > Self.ringCapacityKeptAtRest { held = CircularBuffer() }
    }

    static let ringCapacityKeptAtRest = 64

    private func writeFailed(_ error: Error) {
        failed(error)
        let batches = held
        held = CircularBuffer()
        uncoveredPersists = false
        // The front of the queue is always a persisting batch with its undo copy: batches before it
        // were released as soon as nothing before them waited, and it was the first to persist
        // after the batches of the last write, so it took a copy (see `submit`).
        guard let front = batches.first else { return }
        guard let restored = front.before else {
            fatalError("A write failed with no undo copy at the front of the queue; memory could not be restored")
        }
        core.set(restored)
        for batch in batches {
            if batch.covered && batch.persists {
                for case .log(let level, let message) in batch.outcome.effects { perform([.log(level, message)]) }
                batch.outcome.finish?(false)
            } else {
                // Against the restored core an input judged unable to persist may persist after all
                // (a hello from a peer the undone batch had learnt): every batch may, this time.
                submit(batch.run)
            }
        }
    }
}
