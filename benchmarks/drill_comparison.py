#!/usr/bin/env python3
"""Drills on the same topology with stock redis-sentinel and with Vigil, in the same run.

Each kind gets a fresh loopback topology (a master, two replicas, three sentinels, down-after
1000 ms) and `vigil drill` (200 writes/s through Sentinel lookup) runs N trials of:
  * switchover:  plain SENTINEL FAILOVER (both kinds);
  * coordinated: SENTINEL FAILOVER <name> COORDINATED (Vigil only; redis-sentinel has no such option);
  * crash:       kill -9 of the master; the old master is restarted between trials and rejoins as a replica.
It prints, per kind and drill, the median and p90 of each milestone (ms after the disruption), of the
longest time between two acknowledged writes, and of the acknowledged writes lost (RPO).

    python3 benchmarks/drill_comparison.py --trials 5 --vigil .build/release/vigil
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from failover_benchmark import Topology, wait_for  # noqa: E402

MILESTONES = [("sdown", "SDOWN"), ("odown", "ODOWN"), ("elected-leader", "elected"), ("promoted", "promoted"),
              ("switch-master", "+switch-master"), ("first-write", "first write on new master")]


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def agreed_master(topology):
    answers = [tuple(redis.Redis(port=p, decode_responses=True).execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"))
               for p in topology.sentinel_ports]
    return int(answers[0][1]) if len(set(answers)) == 1 else None


def whole(topology):
    """Every sentinel names the same master, and it has both other nodes as online replicas."""
    def check():
        port = agreed_master(topology)
        info = redis.Redis(port=port).info("replication")
        # Online and streaming: Redis sends a replica nothing after a diskless sync until its first ACK.
        online = sum(1 for key, value in info.items() if key.startswith("slave") and isinstance(value, dict)
                     and value.get("state") == "online" and int(value.get("offset", 0)) > 0)
        return info["role"] == "master" and online == 2
    return wait_for(check, timeout=90)


def restart(topology, port):
    """Starts a crashed node again with its arguments, minus --replicaof: the sentinels convert it."""
    for child in topology.children:
        argv = list(child.args)
        if child.poll() is not None and "--port" in argv and argv[argv.index("--port") + 1] == str(port):
            if "--replicaof" in argv:
                at = argv.index("--replicaof")
                del argv[at:at + 3]
            topology.start(argv)
            return


def drill(vigil, topology, fault, trials, report_dir):
    argv = [vigil, "drill", "mymaster", "--sentinels", ",".join(f"127.0.0.1:{p}" for p in topology.sentinel_ports),
            "--fault", fault, "--warmup", "1000", "--report-dir", report_dir]
    if trials > 1:
        argv += ["--repeat", str(trials)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        print(result.stdout[-3000:] + result.stderr[-2000:], file=sys.stderr)
    files = sorted(name for name in os.listdir(report_dir) if name.endswith(".json"))
    with open(os.path.join(report_dir, files[-1])) as handle:
        return json.load(handle)


def run_kind(kind, sentinel_binary, vigil, trials):
    topology = Topology(sentinel_binary)
    report_dir = tempfile.mkdtemp(prefix="vigil-drills-")
    results = {}
    try:
        if not topology.ready() or not whole(topology):
            raise SystemExit(f"{kind}: the topology did not settle")
        faults = ["switchover", "coordinated", "crash"] if kind == "vigil" else ["switchover", "crash"]
        for fault in faults:
            runs = []
            if fault == "crash":
                for _ in range(trials):
                    if not whole(topology):
                        raise SystemExit(f"{kind}: the topology did not recover before a crash drill")
                    time.sleep(1)
                    [run] = drill(vigil, topology, fault, 1, report_dir)
                    runs.append(run)
                    restart(topology, run["timeline"]["oldMaster"]["port"])
            else:
                if not whole(topology):
                    raise SystemExit(f"{kind}: the topology did not settle before {fault} drills")
                runs = drill(vigil, topology, fault, trials, report_dir)
            results[fault] = runs
    finally:
        topology.stop()
        shutil.rmtree(report_dir, ignore_errors=True)
    return results


def row(kind, fault, runs):
    cells = [kind, fault]
    for key, _ in MILESTONES:
        values = [m["atMilliseconds"] for r in runs for m in r["timeline"]["marks"] if m["milestone"] == key and m.get("atMilliseconds") is not None]
        cells.append("-" if not values else f"{percentile(values, 0.5)} / {percentile(values, 0.9)}")
    gaps = [r["timeline"]["longestWriteGapMilliseconds"] for r in runs]
    lost = [r["lostWrites"] for r in runs if r.get("lostWrites") is not None]
    cells.append(f"{percentile(gaps, 0.5)} / {percentile(gaps, 0.9)}")
    cells.append(f"{percentile(lost, 0.5)} / {max(lost)}" if lost else "-")
    problems = sum(1 for r in runs if r.get("problem"))
    cells.append(f"{len(runs) - problems}/{len(runs)}")
    return "| " + " | ".join(str(c) for c in cells) + " |"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--vigil", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".build", "release", "vigil"))
    args = parser.parse_args()
    args.vigil = os.path.abspath(args.vigil)
    # Checked before anything starts, so that a missing binary never leaves a half-started topology.
    for binary in (args.vigil, shutil.which("redis-sentinel"), shutil.which("redis-server")):
        if not binary or not os.access(binary, os.X_OK):
            raise SystemExit(f"missing executable: {binary or 'redis-sentinel/redis-server'} (run make deps and build Vigil)")
    rows = []
    for kind, binary in [("redis-sentinel", shutil.which("redis-sentinel")), ("vigil", args.vigil)]:
        for fault, runs in run_kind(kind, binary, args.vigil, args.trials).items():
            rows.append(row(kind, fault, runs))
            print(rows[-1], flush=True)
    header = ["sentinel", "drill"] + [label for _, label in MILESTONES] + ["longest write gap", "acknowledged writes lost (median / max)", "recovered"]
    print(f"\n{args.trials} trials each; milestones are median / p90 in ms after the disruption\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
