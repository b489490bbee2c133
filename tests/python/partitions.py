"""Partition runs on demand: `make partitions SEEDS=N` (random faults and settings, each run's seed
printed), `--seed S` replays one, `--table` measures the README's table.

    sudo python3 tests/python/partitions.py --seeds 20
    sudo python3 tests/python/partitions.py --seed 1234 --fault kill-master --sentinel redis-sentinel
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import partition_lab  # noqa: E402
import partition_net  # noqa: E402


def scenario_for(seed, arguments):
    """Everything a run chooses comes from its seed, so the seed alone replays it."""
    rng = random.Random(seed)
    drawn = dict(fault=rng.choice(partition_lab.FAULTS), sentinel=rng.choice(["vigil", "vigil", "redis-sentinel"]),
                 min_replicas=rng.choice([0, 1]), appendfsync=rng.choice(["always", "everysec", "no"]),
                 fault_seconds=rng.choice([3.0, 6.0, 10.0]))
    return partition_lab.Scenario(
        fault=arguments.fault or drawn["fault"], seed=seed, sentinel=arguments.sentinel or drawn["sentinel"],
        min_replicas=arguments.min_replicas if arguments.min_replicas is not None else drawn["min_replicas"],
        appendfsync=arguments.appendfsync or drawn["appendfsync"],
        fault_seconds=arguments.fault_seconds or drawn["fault_seconds"],
        promotion_bound=arguments.promotion_bound, promotion_wait=arguments.promotion_wait,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=1, help="how many random runs")
    parser.add_argument("--seed", type=int, help="replay this seed (with the same other options)")
    parser.add_argument("--fault", choices=partition_lab.FAULTS)
    parser.add_argument("--sentinel", choices=["vigil", "redis-sentinel"])
    parser.add_argument("--min-replicas", type=int, choices=[0, 1])
    parser.add_argument("--appendfsync", choices=["always", "everysec", "no"])
    parser.add_argument("--fault-seconds", type=float)
    parser.add_argument("--promotion-bound", type=int, default=0, help="vigil-promotion-max-lag-bytes (0: off)")
    parser.add_argument("--promotion-wait", type=int, default=0, help="vigil-promotion-catch-up-ms")
    parser.add_argument("--keep", action="store_true", help="keep every run's directory (logs, configs)")
    arguments = parser.parse_args()
    problem = partition_net.available()
    if problem:
        sys.exit(f"cannot run partitions: {problem}")
    seeds = [arguments.seed] if arguments.seed is not None else [random.SystemRandom().randrange(1 << 31) for _ in range(arguments.seeds)]
    failures = 0
    for seed in seeds:
        scenario = scenario_for(seed, arguments)
        print(f"run: {scenario.describe()}", flush=True)
        result = partition_lab.run(scenario, keep=arguments.keep)
        print(json.dumps(result, sort_keys=True), flush=True)
        if result.get("why_not_converged"):
            failures += 1
            print(f"FAILED (no agreement on the real master) seed={seed}: {result['why_not_converged']}; "
                  f"replay: python3 tests/python/partitions.py --seed {seed}", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
