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
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deployment import Deployment, percentile  # noqa: E402

MILESTONES = [("sdown", "SDOWN"), ("odown", "ODOWN"), ("elected-leader", "elected"), ("promoted", "promoted"),
              ("switch-master", "+switch-master"), ("first-write", "first write on new master")]


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
    topology = Deployment(sentinel_binary)
    report_dir = tempfile.mkdtemp(prefix="vigil-drills-")
    results = {}
    try:
        if not topology.ready() or not topology.whole():
            raise SystemExit(f"{kind}: the topology did not settle")
        faults = ["switchover", "coordinated", "crash"] if kind == "vigil" else ["switchover", "crash"]
        for fault in faults:
            runs = []
            if fault == "crash":
                for _ in range(trials):
                    if not topology.whole():
                        raise SystemExit(f"{kind}: the topology did not recover before a crash drill")
                    time.sleep(1)
                    [run] = drill(vigil, topology, fault, 1, report_dir)
                    runs.append(run)
                    topology.restart(run["timeline"]["oldMaster"]["port"])
            else:
                if not topology.whole():
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
