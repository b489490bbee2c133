#!/usr/bin/env python3
"""What a sentinel costs at rest: stock redis-sentinel and Vigil side by side, in one run.

For each sentinel kind it starts its own deployment (the project's launcher): N masters, each with
R replicas (default one, as mass_failover_benchmark.py), and S sentinels monitoring all of them
(down-after 5000 ms unless told, quorum 2 or 1 for a lone sentinel). Both deployments run at the
same time, so that whatever else loads the machine loads both kinds alike. Once every sentinel sees
every master's replicas and the other sentinels (the time from the start is reported), it samples
each sentinel's CPU (utime + stime from /proc/PID/stat over --seconds) and RSS (VmRSS), and prints a
markdown table with Vigil's ratio to redis-sentinel. With --profile, `perf record -g` runs on the
first Vigil while the CPU is sampled, and the top frames of `perf report --no-children` follow.

    python3 benchmarks/at_rest_cost.py --masters 200 --sentinels 1 --seconds 30 --vigil .build/release/vigil

Other scripts call `measure(...)` and `table(...)`. Every process is stopped by PID, on errors too.
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deployment import ROOT, Deployment, process_sample  # noqa: E402


def log(message):
    print(message, file=sys.stderr, flush=True)


def settled(deployment):
    """The fewest masters any sentinel of the deployment sees with all replicas and peers."""
    try:
        return min(deployment.settled_masters(port) for port in deployment.sentinel_ports)
    except redis.RedisError:
        return 0


def sentinels_in_tilt(deployment):
    count = 0
    for port in deployment.sentinel_ports:
        client = redis.Redis(port=port, socket_timeout=5)
        try:
            count += int(client.info("sentinel").get("sentinel_tilt", 0))
        except redis.RedisError:
            pass
        finally:
            client.close()
    return count


def perf_start(pid, path, seconds):
    return subprocess.Popen(["perf", "record", "-g", "-F", "999", "-o", path, "-p", str(pid), "--", "sleep", str(seconds)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def perf_top(path, frames=15):
    """The top `frames` self-time entries of `perf report --no-children`."""
    try:
        out = subprocess.run(["perf", "report", "--no-children", "--stdio", "-g", "none", "--percent-limit", "0.5",
                              "-i", path], capture_output=True, text=True, timeout=300).stdout
    except subprocess.TimeoutExpired:
        return "(perf report took more than 300 s)"
    rows = [line for line in out.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    text = "\n".join(rows[:frames])
    # Swift's symbols are mangled; perf shows them as they are unless swift-demangle is at hand.
    demangler = shutil.which("swift-demangle") or shutil.which("swift")
    if demangler:
        argv = [demangler] if demangler.endswith("swift-demangle") else [demangler, "demangle"]
        try:
            text = subprocess.run(argv + ["--simplified"], input=text, capture_output=True, text=True, timeout=60).stdout or text
        except (OSError, subprocess.TimeoutExpired):
            pass
    return text


def measure(binaries, masters=200, sentinels=1, seconds=30, replicas=1, down_after_ms=5000, converge_timeout=300,
            calm_timeout=60, profile=False, state_dir=None, quorum=None):
    """Starts one deployment per kind in `binaries` (kind -> sentinel executable), all at once, waits
    for each to converge, then samples every sentinel over `seconds`. Returns a list of results, one
    per kind: kind, converged (seconds or None), settled (fewest settled masters), cpu and rss (one
    value per sentinel: % of a core, MiB), tilt (sentinels in TILT after sampling), perf (top frames
    of the first sentinel, with profile, for kinds named "vigil*")."""
    names = [f"master-{number:03d}" for number in range(masters)]
    quorum = quorum or (1 if sentinels == 1 else 2)
    deployments = {}
    results = []
    perf_dir = tempfile.mkdtemp(prefix="vigil-at-rest-perf-") if profile else None
    perf = None
    try:
        for kind, binary in binaries.items():
            deployments[kind] = Deployment(binary, names=names, replicas=replicas, sentinels=sentinels, quorum=quorum,
                                           down_after_ms=down_after_ms, failover_timeout_ms=None,
                                           prefix=f"vigil-at-rest-{kind}-", parent=state_dir)
        converged = {}
        deadline = time.monotonic() + converge_timeout
        while len(converged) < len(deployments) and time.monotonic() < deadline:
            for kind, deployment in deployments.items():
                if kind not in converged and settled(deployment) == masters:
                    converged[kind] = time.monotonic() - deployment.started_at
                    log(f"{kind}: converged in {converged[kind]:.1f} s")
            time.sleep(0.5)
        for kind, deployment in deployments.items():
            if kind not in converged:
                log(f"{kind}: not converged after {converge_timeout} s ({settled(deployment)}/{masters} settled)")
        calm = time.monotonic() + calm_timeout
        while time.monotonic() < calm and any(sentinels_in_tilt(d) for d in deployments.values()):
            time.sleep(0.5)
        # Past the start-up: wait a few seconds more so that every INFO and hello cadence is steady.
        time.sleep(5)
        pids = {kind: [p.pid for p in deployment.sentinels] for kind, deployment in deployments.items()}
        profiled = next((kind for kind in binaries if kind.startswith("vigil")), None) if profile else None
        if profiled:
            perf_path = os.path.join(perf_dir, "perf.data")
            perf = perf_start(pids[profiled][0], perf_path, seconds)
        before = {kind: [process_sample(pid)[0] for pid in ps] for kind, ps in pids.items()}
        started = time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - started
        after = {kind: [process_sample(pid) for pid in ps] for kind, ps in pids.items()}
        for kind, deployment in deployments.items():
            results.append({
                "kind": kind,
                "masters": masters,
                "sentinels": sentinels,
                "converged": converged.get(kind),
                "settled": settled(deployment),
                "cpu": [100 * (cpu - was) / elapsed for (cpu, _), was in zip(after[kind], before[kind])],
                "rss": [rss / 1024 for _, rss in after[kind]],
                "fds": [open_descriptors(pid) for pid in pids[kind]],
                "tilt": sentinels_in_tilt(deployment),
                "perf": None,
            })
        if perf is not None:
            try:
                perf.wait(timeout=seconds + 60)
            except subprocess.TimeoutExpired:
                perf.kill()
                perf.wait(timeout=10)
            perf = None
            for result in results:
                if result["kind"] == profiled:
                    result["perf"] = perf_top(perf_path)
    finally:
        if perf is not None and perf.poll() is None:
            perf.kill()
            perf.wait(timeout=10)
        for deployment in reversed(list(deployments.values())):
            deployment.stop()
        if perf_dir:
            shutil.rmtree(perf_dir, ignore_errors=True)
    return results


def open_descriptors(pid):
    """How many files and sockets a process holds open: its links to masters, replicas and peers, and its clients."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def table(results):
    """A markdown table: per kind, mean CPU, RSS and open descriptors per sentinel, and each kind's ratio to redis-sentinel."""
    header = ["sentinel", "masters", "sentinels", "converged after", "CPU per sentinel (% of a core)", "RSS per sentinel (MiB)",
              "open fds per sentinel", "in TILT"]
    rows = []
    stock = next((r for r in results if r["kind"] == "redis-sentinel"), None)
    for r in results:
        converged = f"{r['converged']:.1f} s" if r["converged"] is not None else f"no ({r['settled']}/{r['masters']})"
        rows.append([r["kind"], r["masters"], r["sentinels"], converged,
                     f"{statistics.mean(r['cpu']):.2f} (" + ", ".join(f"{c:.2f}" for c in r["cpu"]) + ")",
                     f"{statistics.mean(r['rss']):.1f} (" + ", ".join(f"{m:.1f}" for m in r["rss"]) + ")",
                     f"{statistics.mean(r['fds']):.0f} (" + ", ".join(str(n) for n in r["fds"]) + ")", r["tilt"]])
    if stock:
        for r in results:
            if r is stock:
                continue
            rows.append([f"{r['kind']} / redis-sentinel", "", "", ratio(r["converged"], stock["converged"]),
                         ratio(statistics.mean(r["cpu"]), statistics.mean(stock["cpu"])),
                         ratio(statistics.mean(r["rss"]), statistics.mean(stock["rss"])),
                         ratio(statistics.mean(r["fds"]), statistics.mean(stock["fds"])), ""])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])


def ratio(ours, stock):
    return "-" if ours is None or not stock else f"{ours / stock:.2f}"


def interrupted(*_):
    raise KeyboardInterrupt()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vigil", default=os.path.join(ROOT, ".build", "release", "vigil"))
    parser.add_argument("--redis-sentinel", default=shutil.which("redis-sentinel") or "/usr/bin/redis-sentinel")
    parser.add_argument("--vigil-baseline", help="another Vigil build to measure beside (kind vigil-baseline), e.g. before a change")
    parser.add_argument("--kinds", default="redis-sentinel,vigil", help="which sentinels to measure (comma-separated)")
    parser.add_argument("--masters", type=int, default=200)
    parser.add_argument("--replicas", type=int, default=1, help="replicas per master")
    parser.add_argument("--sentinels", type=int, default=1, help="sentinels of each kind")
    parser.add_argument("--seconds", type=float, default=30, help="seconds over which CPU is sampled")
    parser.add_argument("--down-after", type=int, default=5000, help="down-after-milliseconds")
    parser.add_argument("--converge-timeout", type=float, default=300)
    parser.add_argument("--profile", action="store_true", help="perf record -g the first Vigil while sampling")
    parser.add_argument("--state-dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                        help="where configuration files and logs go (default /dev/shm: disk latency is not measured)")
    args = parser.parse_args()
    binaries = {"redis-sentinel": args.redis_sentinel, "vigil": os.path.abspath(args.vigil)}
    if args.vigil_baseline:
        binaries["vigil-baseline"] = os.path.abspath(args.vigil_baseline)
        args.kinds += ",vigil-baseline"
    kinds = {kind.strip(): binaries[kind.strip()] for kind in args.kinds.split(",")}
    for binary in list(kinds.values()) + [shutil.which("redis-server")]:
        if not binary or not os.access(binary, os.X_OK):
            raise SystemExit(f"missing executable: {binary or 'redis-server'} (run make deps and build Vigil)")
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    results = measure(kinds, masters=args.masters, sentinels=args.sentinels, seconds=args.seconds, replicas=args.replicas,
                      down_after_ms=args.down_after, converge_timeout=args.converge_timeout, profile=args.profile,
                      state_dir=args.state_dir)
    print(f"\nAt rest: {args.masters} masters with {args.replicas} replica(s) each, {args.sentinels} sentinel(s) of each kind, "
          f"down-after {args.down_after} ms, CPU over {args.seconds:.0f} s, loopback\n")
    print(table(results))
    for r in results:
        if r["perf"]:
            print(f"\nperf report --no-children, top frames of {r['kind']} (first sentinel):\n\n```\n{r['perf']}\n```")


if __name__ == "__main__":
    main()
