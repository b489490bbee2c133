"""Partition runs on demand: `make partitions SEEDS=N` (random faults and settings, each run's seed
printed), `--seed S` replays one, `--table` measures the README's table.

    sudo python3 tests/python/partitions.py --seeds 20
    sudo python3 tests/python/partitions.py --seed 1234 --fault kill-master --sentinel redis-sentinel
"""
import argparse
import json
import os
import random
import signal
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


TABLE_FAULTS = ["isolate-master-minority", "asymmetric-master", "netem-master", "pause-master", "kill-master",
                "split-replicas", "isolate-vigil", "kill-vigil", "pause-vigil", "split-replicas-kill-master",
                "kill-master-in-first-sync"]


def table_scenarios(seed, fault_seconds, promotion_bound, promotion_wait):
    """The README's table: each fault with and without min-replicas-to-write 1, Vigil and
    redis-sentinel on the same seed; every appendfsync policy where a process dies."""
    scenarios = []
    for fault in TABLE_FAULTS:
        policies = ["always", "everysec", "no"] if fault == "kill-master" else ["everysec"]
        for appendfsync in policies:
            for min_replicas in (0, 1):
                for sentinel in ("vigil", "redis-sentinel"):
                    scenarios.append(partition_lab.Scenario(fault, seed, sentinel=sentinel, min_replicas=min_replicas,
                                                            appendfsync=appendfsync, fault_seconds=fault_seconds))
                if fault in ("split-replicas-kill-master", "kill-master-in-first-sync"):
                    scenarios.append(partition_lab.Scenario(fault, seed, sentinel="vigil", min_replicas=min_replicas,
                                                            appendfsync=appendfsync, fault_seconds=fault_seconds,
                                                            promotion_bound=promotion_bound, promotion_wait=promotion_wait))
    return scenarios


def run_one(scenario):
    try:
        return scenario.describe(), partition_lab.run(scenario)
    except Exception as error:  # noqa: BLE001 (reported in the table)
        return scenario.describe(), {"error": str(error)}


def print_table(rows):
    print("| fault | appendfsync | min-replicas-to-write | sentinel | acked | lost (of acked during the fault) | longest write gap | old master acks after heal | agreed after heal |")
    print("|---|---|---|---|---|---|---|---|---|")
    for scenario, result in rows:
        fields = dict(part.split("=", 1) for part in scenario.split())
        sentinel = fields["sentinel"] + (f" + bound {fields['promotion-bound']} B" if fields["promotion-bound"] != "0" else "")
        if "error" in result or result.get("lost") is None:
            outcome = result.get("error") or f"no agreement: {result.get('why_not_converged')}"
            print(f"| {fields['fault']} | {fields['appendfsync']} | {fields['min-replicas-to-write']} | {sentinel} | {outcome} | | | | |")
            continue
        print(f"| {fields['fault']} | {fields['appendfsync']} | {fields['min-replicas-to-write']} | {sentinel} | {result['acked']} "
              f"| {result['lost']} ({result['lost_percent_of_fault_acks']} %) | {result['longest_gap_seconds']} s "
              f"| {result['old_master_acks_after_heal_seconds']} s | {result['converged_seconds']} s |")


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
    parser.add_argument("--table", action="store_true", help="measure the README's table (runs 3 at a time)")
    parser.add_argument("--parallel", type=int, default=3)
    parser.add_argument("--bound-rows", choices=["with", "without", "only"], default="with",
                        help="the table's rows with vigil-promotion-max-lag-bytes")
    arguments = parser.parse_args()
    # A TERM (a CI timeout) unwinds like Ctrl-C, so every run removes its namespaces and processes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    problem = partition_net.available()
    if problem:
        sys.exit(f"cannot run partitions: {problem}")
    if arguments.table:
        import concurrent.futures
        seed = arguments.seed if arguments.seed is not None else 15
        scenarios = table_scenarios(seed, arguments.fault_seconds or 10.0, arguments.promotion_bound or 4096,
                                    arguments.promotion_wait or 2000)
        if arguments.fault:
            scenarios = [s for s in scenarios if s.fault == arguments.fault]
        if arguments.bound_rows != "with":
            keep_bound = arguments.bound_rows == "only"
            scenarios = [s for s in scenarios if bool(s.promotion_bound) == keep_bound]
        print(f"table: seed={seed}, {len(scenarios)} runs", flush=True)
        with concurrent.futures.ProcessPoolExecutor(arguments.parallel) as pool:
            rows = []
            for described, result in pool.map(run_one, scenarios):
                print(json.dumps({"scenario": described, **result}, sort_keys=True), flush=True)
                rows.append((described, result))
        print_table(rows)
        return
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
