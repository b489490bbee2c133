#!/usr/bin/env python3
"""Cost benchmark: what Vigil costs beside stock redis-sentinel, measured in the same run.

Lookup section: one redis-server (the master) watched by one redis-sentinel and one Vigil. For each
pipeline depth (-P 1 and -P 16), `redis-benchmark -c 50` sends, in interleaved rounds so that load
drift hits every target alike:
  * PING to the redis-server (the yardstick: the machine's speed for the cheapest command);
  * SENTINEL GET-MASTER-ADDR-BY-NAME <master> and PING to redis-sentinel and to Vigil.
It prints a markdown table: the median req/s over the rounds, the median of each round's ratio to
the redis-server's PING of the same round and pipeline, and the CPU the serving process used per
request. `--profile` also samples Vigil with `perf record` during one more P16 lookup run and prints
its top frames.

    python3 benchmarks/cost_benchmark.py --vigil .build/release/vigil [--rounds 7] [--seconds 3] [--profile]

At-rest section (`at_rest_section`, from `at_rest_cost.py`): for each `--at-rest-masters` count, one
deployment per kind (that many redis-server masters with a replica each, `--at-rest-sentinels`
sentinels of each kind watching all of them, default down-after 5000), all running at once; the time
each kind took to converge, then each sentinel's CPU and resident memory over `--at-rest-seconds`,
with ratios to redis-sentinel; with `--profile`, Vigil's top frames at rest too.
`--at-rest-masters 0` skips it.

Later sections (switchover) are further functions called from `main`.
"""
import argparse
import csv
import io
import os
import random
import shutil
import resource
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deployment import ROOT, Deployment, process_sample  # noqa: E402
import at_rest_cost  # noqa: E402

MASTER = "mymaster"
CLIENTS = 50
PIPELINES = (1, 16)
# Deadlines: a benchmark run is sized to take `--seconds`; anything far beyond that is a hang.
SETTLE_SECONDS = 30
RUN_DEADLINE_FACTOR = 10


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def redis_benchmark(port, command, pipeline, requests, deadline):
    """Runs redis-benchmark against 127.0.0.1:`port`; returns its requests per second."""
    argv = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-c", str(CLIENTS), "-n", str(requests),
            "-P", str(pipeline), "--csv"] + command
    done = subprocess.run(argv, capture_output=True, text=True, timeout=deadline, check=True)
    rows = [row for row in csv.reader(io.StringIO(done.stdout)) if row and row[0] != "test"]
    if not rows:
        raise RuntimeError(f"redis-benchmark printed no result: {done.stdout!r} {done.stderr!r}")
    return float(rows[-1][1])


class Target:
    """One measured case: a command sent to one process."""

    def __init__(self, label, command_label, port, process, command, pipelines=PIPELINES):
        self.label = label
        self.command_label = command_label
        self.port = port
        self.process = process
        self.command = command
        # Per pipeline depth: requests per run (sized on the first run), and each round's samples.
        self.requests = {}
        self.samples = {pipeline: [] for pipeline in pipelines}

    def run(self, pipeline, seconds):
        requests = self.requests.get(pipeline)
        if requests is None:
            # A short first run only to size the real ones.
            probe = 10_000 * min(pipeline, 5)
            rate = redis_benchmark(self.port, self.command, pipeline, probe, deadline=120)
            requests = self.requests[pipeline] = max(probe, int(rate * seconds))
        before = process_sample(self.process.pid)[0]
        client_before = children_cpu_seconds()
        rate = redis_benchmark(self.port, self.command, pipeline, requests, deadline=max(60, seconds * RUN_DEADLINE_FACTOR))
        used = process_sample(self.process.pid)[0] - before
        client_used = children_cpu_seconds() - client_before
        self.samples[pipeline].append((rate, used / requests * 1e6, client_used / requests * 1e6))
        return rate


def lookup_targets(deployment, vigil_port, stock_port, pipelines=PIPELINES):
    master = deployment.groups[0]
    vigil = deployment.sentinels[deployment.sentinel_ports.index(vigil_port)]
    stock = deployment.sentinels[deployment.sentinel_ports.index(stock_port)]
    lookup = ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER]
    return [
        Target("redis-server", "PING", master.port, master.process, ["PING"], pipelines),
        Target("redis-sentinel", "SENTINEL GET-MASTER-ADDR-BY-NAME", stock_port, stock, lookup, pipelines),
        Target("vigil", "SENTINEL GET-MASTER-ADDR-BY-NAME", vigil_port, vigil, lookup, pipelines),
        Target("redis-sentinel", "PING", stock_port, stock, ["PING"], pipelines),
        Target("vigil", "PING", vigil_port, vigil, ["PING"], pipelines),
    ]


def median_interval(values, resamples=2000, seed=1):
    """The median of `values` and a 95 % interval for it, by bootstrap (resampling the rounds with a
    fixed seed, so that one run's table always reads the same): with the few percent each round moves,
    a median of a dozen rounds alone does not say whether a difference of a few percent is real."""
    generator = random.Random(seed)
    medians = sorted(statistics.median(generator.choices(values, k=len(values))) for _ in range(resamples))
    return statistics.median(values), medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


def print_lookup_table(targets, rounds, pipelines=PIPELINES):
    """The last two columns pair each Vigil run with redis-sentinel's run of the same command, pipeline
    and round: the ratio to the yardstick carries the yardstick's own run-to-run noise twice (once per
    sentinel), which moved one run's comparison either way by a few percent. Each pairing has a 95 %
    interval (`median_interval`); one that holds 1 means the two rates could not be told apart."""
    yardstick = targets[0]
    stock = {(target.command_label, pipeline): target.samples[pipeline]
             for target in targets if target.label == "redis-sentinel" for pipeline in pipelines}
    print(f"\n### Lookups: redis-benchmark -c {CLIENTS}, median of {rounds} interleaved rounds\n")
    print("| process | command | pipeline | req/s | ratio to redis-server PING | CPU µs/request | client's CPU µs/request "
          "| req/s against redis-sentinel's, same round (95 % interval) | CPU against redis-sentinel's, same round (95 % interval) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for pipeline in pipelines:
        for target in targets:
            samples = target.samples[pipeline]
            ratios = [rate / base for (rate, *_), (base, *_) in zip(samples, yardstick.samples[pipeline])]
            paired_rate = paired_cpu = ""
            if target.label == "vigil" and (target.command_label, pipeline) in stock:
                others = stock[(target.command_label, pipeline)]
                paired_rate = "%.3f (%.3f-%.3f)" % median_interval([own[0] / other[0] for own, other in zip(samples, others)])
                paired_cpu = "%.3f (%.3f-%.3f)" % median_interval([own[1] / other[1] for own, other in zip(samples, others)])
            print(f"| {target.label} | {target.command_label} | {pipeline} | {statistics.median(s[0] for s in samples):,.0f} "
                  f"| {statistics.median(ratios):.3f} | {statistics.median(s[1] for s in samples):.2f} "
                  f"| {statistics.median(s[2] for s in samples):.2f} | {paired_rate} | {paired_cpu} |")
    for pipeline in pipelines:
        # redis-benchmark is one thread: where it spends more CPU a request than a server, it, not the
        # server, sets that server's rate, and the rates say nothing of the server's own cost.
        bound = [target for target in targets
                 if statistics.median(s[2] for s in target.samples[pipeline]) > statistics.median(s[1] for s in target.samples[pipeline])]
        if len(bound) == len(targets):
            print(f"\nAt -P {pipeline} the client spent more CPU a request than every server: its rate is the client's, "
                  "and the CPU columns compare the servers.")


def profile_vigil(target, pipeline, seconds, limit):
    """Samples Vigil with perf (call graphs) during one lookup run; prints the top frames by self time."""
    if shutil.which("perf") is None:
        print("\n(perf is not installed: no profile)")
        return
    directory = tempfile.mkdtemp(prefix="vigil-perf-")
    data = os.path.join(directory, "perf.data")
    try:
        recorder = subprocess.Popen(["perf", "record", "-g", "-q", "-o", data, "-p", str(target.process.pid)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            target.run(pipeline, seconds)
        finally:
            recorder.send_signal(2)  # SIGINT: perf writes its file and exits
            try:
                recorder.wait(timeout=60)
            except subprocess.TimeoutExpired:
                recorder.kill()
                recorder.wait(timeout=10)
        report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--stdio", "-g", "none",
                                 "--percent-limit", "0.5", "--sort", "symbol"],
                                capture_output=True, text=True, timeout=300)
        frames = [line for line in report.stdout.splitlines() if line.strip() and not line.startswith("#")][:limit]
        demangled = frames
        if shutil.which("swift-demangle"):
            demangled = subprocess.run(["swift-demangle", "--simplified"], input="\n".join(frames), capture_output=True,
                                       text=True, timeout=60).stdout.splitlines()
        print(f"\n### Vigil's top frames (self time), SENTINEL GET-MASTER-ADDR-BY-NAME at -P {pipeline}\n")
        print("```")
        for line in demangled:
            print(line.rstrip()[:160])
        print("```")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def lookup_section(args):
    """Lookup throughput of redis-sentinel and Vigil beside a redis-server's PING, same run."""
    deployment = Deployment(args.redis_sentinel, names=(MASTER,), replicas=0, sentinels=1, quorum=1,
                            down_after_ms=5000, prefix="vigil-cost-")
    try:
        stock_port = deployment.sentinel_ports[0]
        vigil_port = deployment.add_sentinel(args.vigil)
        if not deployment.ready(timeout=SETTLE_SECONDS):
            raise RuntimeError("the deployment did not settle:\n" + deployment.report())
        targets = lookup_targets(deployment, vigil_port, stock_port, args.pipelines)
        for number in range(args.rounds):
            for pipeline in args.pipelines:
                # Each round starts at another target, so none is always measured right after another.
                shift = number % len(targets)
                for target in targets[shift:] + targets[:shift]:
                    rate = target.run(pipeline, args.seconds)
                    print(f"round {number + 1} -P {pipeline:2} {target.label:14} {target.command_label:32} {rate:12,.0f} req/s",
                          file=sys.stderr, flush=True)
        print_lookup_table(targets, args.rounds, args.pipelines)
        if args.profile and 16 in args.pipelines:
            profile_vigil(targets[2], 16, args.seconds, args.profile_frames)
    finally:
        deployment.stop()


def at_rest_section(args):
    """CPU and memory at rest beside redis-sentinel, for each master count asked for."""
    binaries = {"redis-sentinel": args.redis_sentinel, "vigil": args.vigil}
    for masters in args.at_rest_masters:
        if masters <= 0:
            continue
        print(f"\n## At rest: {masters} masters, {args.at_rest_sentinels} sentinel(s) of each kind, "
              f"{args.at_rest_seconds:.0f} s sampled\n", flush=True)
        results = at_rest_cost.measure(binaries, masters=masters, sentinels=args.at_rest_sentinels,
                                       seconds=args.at_rest_seconds, profile=args.profile,
                                       state_dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        print(at_rest_cost.table(results), flush=True)
        for result in results:
            if result["perf"]:
                print(f"\n{result['kind']} at rest, top frames (self time):\n")
                print(result["perf"], flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vigil", default=os.path.join(ROOT, ".build", "release", "vigil"))
    parser.add_argument("--redis-sentinel", default="/usr/bin/redis-sentinel")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds; the ratios of fewer drift by a few percent from run to run")
    parser.add_argument("--pipelines", type=lambda text: tuple(int(n) for n in text.split(",")), default=PIPELINES,
                        help="pipeline depths of the lookup section, e.g. 1 for a long run of rounds at -P 1 only")
    parser.add_argument("--seconds", type=float, default=3, help="about how long each redis-benchmark run takes")
    parser.add_argument("--profile", action="store_true", help="perf profile of Vigil during a P16 lookup run")
    parser.add_argument("--profile-frames", type=int, default=15)
    parser.add_argument("--at-rest-masters", type=lambda text: [int(n) for n in text.split(",")], default=[200],
                        help="master counts for the at-rest section, comma-separated (0: skip it)")
    parser.add_argument("--at-rest-sentinels", type=int, default=1, help="sentinels of each kind at rest")
    parser.add_argument("--at-rest-seconds", type=float, default=30, help="seconds over which CPU is sampled at rest")
    args = parser.parse_args()
    args.vigil = os.path.abspath(args.vigil)
    if not os.access(args.vigil, os.X_OK):
        parser.error(f"no Vigil binary at {args.vigil}: swift build -c release --product vigil")
    print(f"Vigil: {args.vigil}; redis-sentinel: {args.redis_sentinel}; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.2f} at start")
    lookup_section(args)
    at_rest_section(args)


if __name__ == "__main__":
    main()
