import Metrics
import Prometheus
import SentinelCore

/// Vigil's metrics in Prometheus's text format, through swift-metrics over its own swift-prometheus
/// registry (no global bootstrap, so nothing else in the process is affected). Counters and the
/// failover phase histogram follow the core's events as they happen; the state gauges are read
/// from the core at each scrape. Used on the driver's event loop only.
public final class VigilMetrics: @unchecked Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// When each step of the current failover of a master happened, to time its phases.
    private var steps: [String: [Step: Instant]] = [:]
    /// The state gauges the last scrape recorded. A gauge the next scrape does not record (a removed
    /// master, an instance forgotten by a reset, the old master's address after a failover) is
    /// taken out of the exposition instead of showing its last value for ever.
    private var stateGauges: [StateGaugeKey: Metrics.Gauge] = [:]

    private struct StateGaugeKey: Hashable {
        var label: String
        var dimensions: [String]
    }

    static let phaseHistogram = "vigil_failover_phase_seconds"

    /// The steps of a failover that bound its phases.
    private enum Step: Hashable {
        case subjectivelyDown, objectivelyDown, tryFailover, electedLeader, replicaPromoted, switchMaster, failoverEnd
    }

    /// Each phase: the step that ends it, and the step it is timed from.
    private static let phases: [(name: String, from: Step, to: Step)] = [
        ("agreement", .subjectivelyDown, .objectivelyDown),
        ("election", .tryFailover, .electedLeader),
        ("promotion", .electedLeader, .replicaPromoted),
        ("announcement", .replicaPromoted, .switchMaster),
        ("reconfiguration", .switchMaster, .failoverEnd),
    ]

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Vigil's phases take milliseconds; Redis Sentinel's take seconds: buckets cover both.
        factory.durationHistogramBuckets[Self.phaseHistogram] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2_500), .seconds(5), .seconds(10), .seconds(30),
        ]
        self.factory = factory
    }

    /// Counts failovers and times their phases from the events the core emits.
    public func observe(_ event: SentinelEvent, now: Instant) {
        // Phase boundaries are events about the master itself (not its replicas or peers), except
        // the promotion, which names the promoted replica, and +switch-master, which names the master.
        let master: String
        let step: Step?
        switch event {
        case .switchMaster(let name, _, _): (master, step) = (name, .switchMaster)
        case .replicaPromoted(let instance): (master, step) = (instance.masterName, .replicaPromoted)
        default:
            guard let instance = event.instance, instance.kind == .master else { return }
            master = instance.name
            step = Self.step(of: event)
        }
        let dimensions = [("master", master)]
        switch event {
        case .subjectivelyDown:
            steps[master] = [:]
        case .tryFailover:
            Counter(label: "vigil_failovers_started_total", dimensions: dimensions, factory: factory).increment()
        case .failoverEnd:
            Counter(label: "vigil_failovers_finished_total", dimensions: dimensions, factory: factory).increment()
        case .failoverAborted(_, let reason):
            Counter(label: "vigil_failovers_aborted_total", dimensions: dimensions + [("reason", reason.rawValue)], factory: factory).increment()
        default:
            break
        }
        guard let step else { return }
        var seen = steps[master] ?? [:]
        seen[step] = now
        steps[master] = seen
        for phase in Self.phases where phase.to == step {
            guard let start = seen[phase.from], now >= start else { continue }
            Timer(label: Self.phaseHistogram, dimensions: dimensions + [("phase", phase.name)], factory: factory)
                .recordMilliseconds(now - start)
        }
    }

    /// The failover step an event about a master marks, if any.
    private static func step(of event: SentinelEvent) -> Step? {
        switch event {
        case .subjectivelyDown: return .subjectivelyDown
        case .objectivelyDown: return .objectivelyDown
        case .tryFailover: return .tryFailover
        case .electedLeader: return .electedLeader
        case .failoverEnd: return .failoverEnd
        default: return nil
        }
    }

    /// The whole exposition: the gauges refreshed from `sentinel`, then every metric.
    public func render(_ sentinel: Sentinel, now: Instant) -> [UInt8] {
        var recorded: [StateGaugeKey: Metrics.Gauge] = [:]
        func gauge(_ label: String, _ value: Double, _ dimensions: [(String, String)] = []) {
            let key = StateGaugeKey(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
            let gauge = recorded[key] ?? stateGauges[key] ?? Metrics.Gauge(label: label, dimensions: dimensions, factory: factory)
            gauge.record(value)
            recorded[key] = gauge
        }
        gauge("vigil_tilt", sentinel.inTilt ? 1 : 0)
        gauge("vigil_current_epoch", Double(sentinel.currentEpoch))
        gauge("vigil_masters", Double(sentinel.masters.count))
        for master in sentinel.masters {
            let labels = [("master", master.name)]
            gauge("vigil_master_subjectively_down", master.instance.isSubjectivelyDown ? 1 : 0, labels)
            gauge("vigil_master_objectively_down", master.isObjectivelyDown ? 1 : 0, labels)
            gauge("vigil_master_failover_in_progress", master.failover == nil ? 0 : 1, labels)
            gauge("vigil_master_config_epoch", Double(master.settings.configEpoch), labels)
            gauge("vigil_master_known_replicas", Double(master.replicas.count), labels)
            gauge("vigil_master_known_sentinels", Double(master.sentinels.count + 1), labels)
            var instances: [(role: String, name: String, state: InstanceState)] = [("master", master.instance.address.description, master.instance)]
            instances += master.replicas.map { ("replica", $0.name, $0.instance) }
            // A peer's connection is shared by the masters that know it: read it through the core.
            instances += master.sentinels.map { peer in
                var state = peer.instance
                state.link = sentinel.link(of: peer)
                return ("sentinel", peer.instance.address.description, state)
            }
            for instance in instances {
                let dimensions = labels + [("role", instance.role), ("instance", instance.name)]
                // Seconds since the instance last answered a PING (or anything) on its command link.
                gauge("vigil_link_last_reply_age_seconds", Double(now - instance.state.link.lastReply) / 1_000, dimensions)
                gauge("vigil_link_connected", instance.state.link.isDisconnected ? 0 : 1, dimensions)
                if instance.role != "sentinel" {
                    let age = instance.state.infoRefreshed.map { Double(now - $0) / 1_000 } ?? -1
                    gauge("vigil_info_age_seconds", age, dimensions)
                }
            }
        }
        for (key, gauge) in stateGauges where recorded[key] == nil { gauge.destroy() }
        stateGauges = recorded
        return registry.emitToBuffer()
    }
}
