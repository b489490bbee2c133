import Foundation
import NIOCore
import SentinelCore

enum ServerInfo {
    /// The Redis version Vigil speaks for; clients and tools check it.
    static let redisVersion = "7.0.15"
    /// Vigil's own version, in INFO server, so tools (vigil doctor) can tell Vigil from redis-sentinel.
    static let vigilVersion = "0.1.0"
    static let sections = ["server", "clients", "cpu", "stats", "sentinel"]
}

extension ClientServerContext {
    /// INFO [section ...]: only Redis Sentinel's five sections exist; unknown names are dropped.
    func infoText(_ requested: [String]) -> String {
        let names = requested.map { $0.lowercased() }
        let all = names.isEmpty || names.contains { ["default", "all", "everything"].contains($0) }
        let chosen = ServerInfo.sections.filter { all || names.contains($0) }
        return chosen.map { section -> String in
            let (title, lines) = infoSection(section)
            return (["# \(title)"] + lines).joined(separator: "\r\n") + "\r\n"
        }.joined(separator: "\r\n")
    }

    private func infoSection(_ name: String) -> (String, [String]) {
        switch name {
        case "server": return ("Server", serverLines())
        case "clients": return ("Clients", clientLines())
        case "cpu": return ("CPU", cpuLines())
        case "stats": return ("Stats", statsLines())
        default: return ("Sentinel", target.infoSentinelLines())
        }
    }

    private func serverLines() -> [String] {
        let uptime = (NIODeadline.now() - startedUptime).nanoseconds / 1_000_000_000
        var system = utsname()
        uname(&system)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let micros = Int64(Date().timeIntervalSince1970 * 1_000_000)
        return [
            "redis_version:\(ServerInfo.redisVersion)", "redis_git_sha1:00000000", "redis_git_dirty:0",
            "redis_build_id:0", "redis_mode:sentinel", "vigil_version:\(ServerInfo.vigilVersion)",
            "os:\(field(system.sysname)) \(field(system.release)) \(field(system.machine))", "arch_bits:64",
            "monotonic_clock:POSIX clock_gettime", "multiplexing_api:epoll", "atomicvar_api:c11-builtin", "gcc_version:0.0.0",
            "process_id:\(getpid())", "process_supervised:no", "run_id:\(runID)", "tcp_port:\(configuration.port)",
            "server_time_usec:\(micros)", "uptime_in_seconds:\(uptime)", "uptime_in_days:\(uptime / 86_400)",
            "hz:10", "configured_hz:10", "lru_clock:\(Int(Date().timeIntervalSince1970) & 0xFFFFFF)",
            "executable:\(CommandLine.arguments.first.map(ConfigPath.absolute) ?? "")",
            "config_file:\(configuration.configPath)", "io_threads_active:0",
        ]
    }

    private func clientLines() -> [String] {
        [
            "connected_clients:\(registry.clients.count)", "cluster_connections:0", "maxclients:\(registry.maxClients)",
            "client_recent_max_input_buffer:0", "client_recent_max_output_buffer:0", "blocked_clients:0",
            "tracking_clients:0", "clients_in_timeout_table:0",
        ]
    }

    private func cpuLines() -> [String] {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        var children = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &children)
        func seconds(_ time: timeval) -> String { String(format: "%.6f", Double(time.tv_sec) + Double(time.tv_usec) / 1e6) }
        return [
            "used_cpu_sys:\(seconds(usage.ru_stime))", "used_cpu_user:\(seconds(usage.ru_utime))",
            "used_cpu_sys_children:\(seconds(children.ru_stime))", "used_cpu_user_children:\(seconds(children.ru_utime))",
            "used_cpu_sys_main_thread:\(seconds(usage.ru_stime))", "used_cpu_user_main_thread:\(seconds(usage.ru_utime))",
        ]
    }

    private func statsLines() -> [String] {
        [
            "total_connections_received:\(registry.totalConnections)", "total_commands_processed:\(registry.totalCommands)",
            "instantaneous_ops_per_sec:0", "total_net_input_bytes:\(registry.inputBytes)",
            "total_net_output_bytes:\(registry.outputBytes)", "total_net_repl_input_bytes:0", "total_net_repl_output_bytes:0",
            "instantaneous_input_kbps:0.00", "instantaneous_output_kbps:0.00", "instantaneous_input_repl_kbps:0.00",
            "instantaneous_output_repl_kbps:0.00", "rejected_connections:\(registry.rejectedConnections)",
            "sync_full:0", "sync_partial_ok:0", "sync_partial_err:0", "expired_keys:0", "expired_stale_perc:0.00",
            "expired_time_cap_reached_count:0", "expire_cycle_cpu_milliseconds:0", "evicted_keys:0", "evicted_clients:0",
            "total_eviction_exceeded_time:0", "current_eviction_exceeded_time:0", "keyspace_hits:0", "keyspace_misses:0",
            "pubsub_channels:\(broker.channelCount)", "pubsub_patterns:\(broker.patternCount)", "pubsubshard_channels:0",
            "latest_fork_usec:0", "total_forks:0", "migrate_cached_sockets:0", "slave_expires_tracked_keys:0",
            "active_defrag_hits:0", "active_defrag_misses:0", "active_defrag_key_hits:0", "active_defrag_key_misses:0",
            "total_active_defrag_time:0", "current_active_defrag_time:0", "tracking_total_keys:0", "tracking_total_items:0",
            "tracking_total_prefixes:0", "unexpected_error_replies:0", "total_error_replies:0", "dump_payload_sanitizations:0",
            "total_reads_processed:\(registry.totalCommands)", "total_writes_processed:\(registry.totalCommands)",
            "io_threaded_reads_processed:0", "io_threaded_writes_processed:0", "reply_buffer_shrinks:0", "reply_buffer_expands:0",
        ]
    }
}

enum ConfigPath {
    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
