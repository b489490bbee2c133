/// The core's masters: an array with value semantics whose copy is cheap to diverge from.
///
/// The daemon keeps a copy of the core before any batch that may write the config, to restore it
/// if the write fails (see DurableQueue). With a plain array of `MasterState`, the first change after
/// such a copy copied every master (each of its strings, arrays and dictionaries retained) and
/// dropping the copy released them all again: with a thousand masters failing over, each such batch
/// paid for all of them, and a tick has one per master. Here each master sits in its own box, so the
/// first change copies the array of box references and then only the master it changes.
public struct MasterList: RandomAccessCollection, MutableCollection, @unchecked Sendable {
    /// One master's state, as the buffer's header. Shared between copies of the list and never
    /// changed while shared: a change through the list copies a shared box first. (Unchecked
    /// Sendable for that reason: a box is only ever changed by the one list holding it.)
    private typealias Box = ManagedBuffer<MasterState, Void>

    private var boxes: [Box] = []
    /// Until when (milliseconds, exclusive) each master's own visit and its replicas' are known to be
    /// quiet, as the beat found them (`Sentinel.beatPlan`); `Int64.min` when not known. Any change
    /// to a master goes through `subscript`'s mutable addressor (or `append`, `remove`), which
    /// forgets it: the beat then judges the master afresh. Kept beside the boxes, not in them, so
    /// that the beat asks it of every master without reaching each master's state.
    private var quietUntil: [Int64] = []
    /// Whether a master noted quiet has peers, which the beat judges on every beat all the same.
    private var quietMasterHasPeers: [Bool] = []

    public init() {}

    private static func box(_ master: MasterState) -> Box {
        Box.create(minimumCapacity: 0) { _ in master }
    }

    public var startIndex: Int { boxes.startIndex }
    public var endIndex: Int { boxes.endIndex }
    public func index(after i: Int) -> Int { i + 1 }
    public func index(before i: Int) -> Int { i - 1 }

    // Addressors rather than read and modify coroutines: unoptimised builds (the tests) allocated a
    // coroutine frame on every access, and the simulation makes millions of them. The header's
    // address is stable while the box lives, and `boxes` holds it for the whole access.
    public subscript(position: Int) -> MasterState {
        unsafeAddress {
            UnsafePointer(boxes[position].withUnsafeMutablePointerToHeader { $0 })
        }
        unsafeMutableAddress {
            quietUntil[position] = .min
            if !isKnownUniquelyReferenced(&boxes[position]) {
                boxes[position] = Self.box(boxes[position].header)
            }
            return boxes[position].withUnsafeMutablePointerToHeader { $0 }
        }
    }

    /// The master's state where it lies, for reads that must not copy it: valid during `body` only,
    /// and never written through (the box may be shared with a copy of the list).
    func withMasterPointer<Result>(at position: Int, _ body: (UnsafePointer<MasterState>) -> Result) -> Result {
        boxes[position].withUnsafeMutablePointerToHeader { body(UnsafePointer($0)) }
    }

    mutating func append(_ master: MasterState) {
        boxes.append(Self.box(master))
        quietUntil.append(.min)
        quietMasterHasPeers.append(true)
    }

    mutating func remove(at position: Int) {
        boxes.remove(at: position)
        quietUntil.remove(at: position)
        quietMasterHasPeers.remove(at: position)
    }

    /// Whether the beat found master `position` and its replicas quiet until after `now`, with no
    /// change to the master since.
    func isKnownQuiet(_ position: Int, at now: Instant) -> Bool {
        now.milliseconds < quietUntil[position]
    }

    /// Whether master `position`, known quiet, has peers to judge (see `isKnownQuiet`).
    func knownQuietHasPeers(_ position: Int) -> Bool {
        quietMasterHasPeers[position]
    }

    mutating func noteQuiet(_ position: Int, until deadline: Instant, hasPeers: Bool) {
        quietUntil[position] = deadline.milliseconds
        quietMasterHasPeers[position] = hasPeers
    }

    /// Forgets every master's quiet time: for a change outside the masters that the judgement reads.
    mutating func forgetQuietness() {
        for position in quietUntil.indices { quietUntil[position] = .min }
    }

    /// Where the master at `position` is stored: the same as long as no change to it had to copy
    /// it (a test's window on what a change costs).
    public func storageIdentity(at position: Int) -> ObjectIdentifier {
        ObjectIdentifier(boxes[position])
    }
}

extension MasterList: Equatable {
    public static func == (lhs: MasterList, rhs: MasterList) -> Bool {
        lhs.elementsEqual(rhs)
    }
}
