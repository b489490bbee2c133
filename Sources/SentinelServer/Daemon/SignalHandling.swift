import Dispatch
import Foundation

/// Signals handled on a dispatch queue rather than in a signal handler, so the handler may take
/// locks, write, hop to an event loop or exit. The signals' default actions are ignored while the
/// sources run; the sources live as long as this value, so keep it until the process no longer
/// wants them. The daemon, `vigil drill` and `vigil demo` all handle SIGINT and SIGTERM this way.
public final class SignalHandling: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]

    public init(_ signals: [Int32] = [SIGTERM, SIGINT], handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "vigil.signals")
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    /// Stops handling; the signals stay ignored, so a late one cannot kill a process that is
    /// already shutting down.
    public func cancel() { sources.forEach { $0.cancel() } }

    public static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(number)"
        }
    }
}
