#!/usr/bin/env python3
"""Mass failover and short down-after: stock redis-sentinel and Vigil side by side, in one run.

mass:  N masters with a replica each (every master its own name), three sentinels monitoring all of
       them (quorum 2). Once every sentinel sees every master's replica and both other sentinels
       (the time from the start to that is reported), the sentinels' CPU and RSS are sampled at rest,
       then every master is killed at once (kill -9, a host loss). Per master: the time from the kill
       to its first +switch-master, minus down-after; how many switched within down-after + a
       deadline; elections that failed (-failover-abort-not-elected); and masters for which two
       sentinels announced +elected-leader in the same epoch.
short: one master, two replicas, three sentinels, down-after 100 ms. A client writes through the
       master for 30 s (optionally beside busy-loop CPU hogs) while false +sdown events of the live
       master are counted; then T trials kill -9 the master and time +switch-master from the kill
       (the old master is restarted and rejoins as a replica between trials).

Every process runs on free 127.0.0.1 ports and is stopped by PID, also on Ctrl-C and errors; every
wait has a deadline, so a sentinel that never fails over is reported ("12/50 switched").

    python3 benchmarks/mass_failover_benchmark.py --masters 50 --trials 5 --vigil .build/release/vigil
"""
import argparse
import collections
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deployment import ROOT, Deployment, percentile, process_sample, stop_processes, wait_for  # noqa: E402
from failover_benchmark import Writer  # noqa: E402


def log(message):
    print(message, file=sys.stderr, flush=True)


class EventLog:
    """Every event each sentinel publishes (PSUBSCRIBE *), with the time it arrived and which sentinel
    (index into the ports) sent it. Each sentinel has its own connection, so its events stay in order.
    A lost subscription is made again (what was published meanwhile is missed, and counted)."""

    def __init__(self, ports, limit_seconds, subscribe_timeout=30):
        self.ports = ports
        self.events = []  # (monotonic time, sentinel index, channel, message)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.subscribed = [threading.Event() for _ in ports]
        self.started = time.monotonic()
        self.late = 0  # the longest any sentinel took to be subscribed (its events until then are missed)
        self.interruptions = [0 for _ in ports]
        self.deadline = time.monotonic() + limit_seconds
        self.threads = [threading.Thread(target=self.listen, args=(index,), daemon=True) for index in range(len(ports))]
        for thread in self.threads:
            thread.start()
        give_up = time.monotonic() + subscribe_timeout
        for index, subscribed in enumerate(self.subscribed):
            if not subscribed.wait(timeout=max(0, give_up - time.monotonic())):
                log(f"sentinel {ports[index]}: no event subscription after {subscribe_timeout} s (still trying)")

    def listen(self, index):
        while not self.stopping.is_set() and time.monotonic() < self.deadline:
            client = redis.Redis(port=self.ports[index], decode_responses=True, socket_timeout=10)
            pubsub = client.pubsub()
            try:
                pubsub.psubscribe("*")
                while not self.stopping.is_set() and time.monotonic() < self.deadline:
                    message = pubsub.get_message(timeout=0.1)
                    if message and message["type"] == "psubscribe":
                        if not self.subscribed[index].is_set():
                            self.late = max(self.late, time.monotonic() - self.started)
                        self.subscribed[index].set()
                    elif message and message["type"] == "pmessage":
                        with self.lock:
                            self.events.append((time.monotonic(), index, message["channel"], message["data"]))
            except redis.RedisError as error:
                if self.subscribed[index].is_set():
                    self.interruptions[index] += 1
                    log(f"sentinel {self.ports[index]}: event subscription lost ({error}); subscribing again")
                time.sleep(0.2)
            finally:
                pubsub.close()
                client.close()

    def notes(self, since=None):
        """What makes the measurement doubtful: missing subscriptions, and TILT."""
        notes = []
        missing = sum(1 for subscribed in self.subscribed if not subscribed.is_set())
        if missing or any(self.interruptions):
            notes.append(f"events of {len(self.ports) - missing}/{len(self.ports)} sentinels, "
                         f"{sum(self.interruptions)} subscriptions lost")
        if self.late > 5:
            notes.append(f"a sentinel's events were missed for {self.late:.0f} s")
        tilts = self.since(0, "+tilt")
        if tilts:
            before = sum(1 for event in tilts if since is not None and event[0] < since)
            notes.append(f"{len(tilts)} +tilt" + (f" ({before} before the kill)" if since is not None else ""))
        return "; ".join(notes)

    def since(self, start, channel=None):
        with self.lock:
            return [event for event in self.events if event[0] >= start and (channel is None or event[2] == channel)]

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=5)


def master_name(channel, message):
    """The master an event is about: +switch-master and %@ of a master (`master <name> ...`)."""
    parts = message.split()
    if channel == "+switch-master":
        return parts[0] if parts else None
    return parts[1] if len(parts) > 1 and parts[0] == "master" else None


def first_switches(events):
    """name -> time of the first +switch-master for it, from any sentinel."""
    first = {}
    for at, _, channel, message in events:
        if channel == "+switch-master":
            first.setdefault(master_name(channel, message), at)
    return first


def masters_with_two_leaders(events):
    """Masters for which two sentinels announced +elected-leader in the same epoch. +elected-leader
    carries no epoch: a sentinel starting a failover publishes +new-epoch <n> and then +try-failover
    for the master, so each sentinel's failover epoch per master is read from its own event order."""
    current = {}  # sentinel -> the epoch of its last +new-epoch
    failover_epoch = {}  # (sentinel, master) -> epoch
    leaders = collections.defaultdict(set)  # (master, epoch) -> sentinels
    for _, who, channel, message in events:
        if channel == "+new-epoch":
            current[who] = int(message.split()[0])
        elif channel == "+try-failover":
            failover_epoch[(who, master_name(channel, message))] = current.get(who)
        elif channel == "+elected-leader":
            name = master_name(channel, message)
            leaders[(name, failover_epoch.get((who, name), current.get(who)))].add(who)
    return sorted({name for (name, _), who in leaders.items() if len(who) > 1})


def at_rest(processes, seconds):
    """Mean CPU % (of one core) and mean RSS (MiB) per process over `seconds`."""
    before = [process_sample(p.pid)[0] for p in processes]
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    after = [process_sample(p.pid) for p in processes]
    cpu = [100 * (cpu - was) / elapsed for (cpu, _), was in zip(after, before)]
    return statistics.mean(cpu), statistics.mean(rss for _, rss in after) / 1024


def converge(deployment, timeout):
    """Seconds from the deployment's start until every sentinel sees every master settled, or None;
    and the fewest settled masters any sentinel saw last."""
    deadline = time.monotonic() + timeout
    fewest = 0
    while time.monotonic() < deadline:
        try:
            fewest = min(deployment.settled_masters(port) for port in deployment.sentinel_ports)
        except redis.RedisError:
            fewest = 0
        if fewest == len(deployment.groups):
            return time.monotonic() - deployment.started_at, fewest
        time.sleep(0.2)
    return None, fewest


def sentinels_in_tilt(deployment):
    """How many sentinels are in TILT; one that does not answer within 5 s counts as in TILT."""
    count = 0
    for port in deployment.sentinel_ports:
        client = redis.Redis(port=port, socket_timeout=5, socket_connect_timeout=5)
        try:
            count += int(client.info("sentinel").get("sentinel_tilt", 0))
        except redis.RedisError:
            count += 1
        finally:
            client.close()
    return count


def killed_count(args):
    """How many masters the mass scenario kills (the first ones)."""
    return min(args.masters, args.kill) if args.kill else args.masters


def mass(kind, binary, args):
    names = [f"master-{number:03d}" for number in range(args.masters)]
    result = {"kind": kind}
    wait_deadline = args.down_after / 1000 + args.deadline
    with Deployment(binary, names=names, replicas=1, down_after_ms=args.down_after,
                    failover_timeout_ms=args.failover_timeout, prefix="vigil-mass-", parent=args.state_dir,
                    server_options=["--hz", str(args.redis_hz)]) as deployment:
        # Subscribed from the start, so that a TILT while the sentinels converge is seen too.
        events = EventLog(deployment.sentinel_ports, subscribe_timeout=5,
                          limit_seconds=args.converge_timeout + args.rest_seconds + wait_deadline + 60)
        try:
            result["converged"], result["settled"] = converge(deployment, args.converge_timeout)
            log(f"{kind}: converged in {result['converged']:.1f} s" if result["converged"] else
                f"{kind}: not converged after {args.converge_timeout} s ({result['settled']}/{len(names)} masters settled on every sentinel)")
            # A sentinel that stalled while converging (TILT) would not fail over for 30 s: the host is
            # lost only when none is in TILT.
            if not wait_for(lambda: sentinels_in_tilt(deployment) == 0, timeout=args.calm_timeout, interval=0.5):
                log(f"{kind}: a sentinel was still in TILT after {args.calm_timeout} s")
            result["cpu"], result["rss"] = at_rest(deployment.sentinels, args.rest_seconds)
            result["tilt-at-kill"] = sentinels_in_tilt(deployment)
            killed_at = {}
            for group in deployment.groups[:killed_count(args)]:
                killed_at[group.name] = time.monotonic()
                os.kill(group.process.pid, signal.SIGKILL)
            kill = min(killed_at.values())
            wait_for(lambda: len(first_switches(events.since(kill))) >= len(killed_at), timeout=wait_deadline, interval=0.1)
        finally:
            events.stop()
        after = events.since(kill)
        result["notes"] = "; ".join(filter(None, [events.notes(since=kill), f"{result['tilt-at-kill']} sentinels in TILT at the kill"
                                                  if result["tilt-at-kill"] else ""]))
        if args.events:
            with open(f"{args.events}-mass-{kind}.txt", "w") as handle:
                handle.writelines(f"{at - kill:9.3f} {deployment.sentinel_ports[who]} {channel} {message}\n"
                                  for at, who, channel, message in events.since(0))
        switched = first_switches(after)
        result["switch"] = [switched[name] - killed_at[name] - args.down_after / 1000
                            for name in killed_at if name in switched and switched[name] - killed_at[name] <= wait_deadline]
        result["not-elected"] = sum(1 for event in after if event[2] == "-failover-abort-not-elected")
        result["other-aborts"] = collections.Counter(event[2] for event in after
                                                     if event[2].startswith("-failover-abort") and event[2] != "-failover-abort-not-elected")
        result["two-leaders"] = masters_with_two_leaders(after)
        log(f"{kind}: {len(result['switch'])}/{len(killed_at)} switched, {result['not-elected']} not elected, "
            f"other aborts {dict(result['other-aborts'])}, two leaders in an epoch: {result['two-leaders'] or 'none'}")
    return result


def short_trial(deployment, events, args):
    """Kills the current master: seconds from the kill to the first +switch-master (None without one),
    and the -failover-abort-* events until then."""
    port = deployment.agreed_master()
    process = deployment.process_on(port)
    killed = time.monotonic()
    process.kill()
    process.wait()
    wait_for(lambda: events.since(killed, "+switch-master"), timeout=args.trial_timeout, interval=0.005)
    switches = events.since(killed, "+switch-master")
    until = switches[0][0] if switches else time.monotonic()
    aborts = [event[2] for event in events.since(killed) if event[0] <= until and event[2].startswith("-failover-abort")]
    deployment.restart(port)
    return (switches[0][0] - killed if switches else None), aborts


def short(kind, binary, hogs, args):
    result = {"kind": kind, "hogs": hogs, "trials": [], "aborts": collections.Counter()}
    hog_processes = []
    try:
        for _ in range(hogs):
            hog_processes.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))
        with Deployment(binary, down_after_ms=args.short_down_after, failover_timeout_ms=args.failover_timeout,
                        prefix="vigil-short-", parent=args.state_dir) as deployment:
            if not deployment.ready(timeout=60) or not deployment.whole():
                raise RuntimeError(f"{kind}: the deployment did not settle")
            limit = args.load_seconds + args.trials * (args.trial_timeout + 100) + 60
            events = EventLog(deployment.sentinel_ports, limit_seconds=limit)
            writer = Writer(deployment)
            writer.start()
            try:
                started = time.monotonic()
                time.sleep(args.load_seconds)
                during = events.since(started)
                result["writes/s"] = writer.acknowledged_count() / (time.monotonic() - started)
                result["false-sdown"] = sum(1 for _, _, channel, message in during
                                            if channel == "+sdown" and master_name(channel, message) == "mymaster")
                result["false-switch"] = sum(1 for event in during if event[2] == "+switch-master")
                log(f"{kind}, {hogs} hogs: {result['false-sdown']} false +sdown of the master in {args.load_seconds} s "
                    f"of load ({result['writes/s']:.0f} writes/s), {result['false-switch']} +switch-master")
                for number in range(args.trials):
                    if not deployment.whole(timeout=60):
                        log(f"{kind}: the deployment did not recover before trial {number + 1}; trials end here")
                        break
                    time.sleep(args.settle)
                    seconds, aborts = short_trial(deployment, events, args)
                    result["trials"].append(seconds)
                    result["aborts"].update(aborts)
                    log(f"{kind}, {hogs} hogs, trial {number + 1}: " +
                        (f"+switch-master {seconds * 1000:.0f} ms after the kill" if seconds is not None
                         else f"no +switch-master within {args.trial_timeout} s") + (f" ({', '.join(aborts)})" if aborts else ""))
            finally:
                writer.stopping.set()
                writer.join(timeout=5)
                events.stop()
                result["notes"] = events.notes()
    finally:
        stop_processes(hog_processes)
    return result


def ms(seconds):
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def ratio(ours, stock):
    return "-" if ours is None or stock is None or stock == 0 else f"{ours / stock:.2f}"


def mass_table(results, args):
    header = ["sentinel", "masters", "converged after", "CPU at rest (per sentinel)", "RSS (per sentinel)",
              f"switched within down-after + {args.deadline:.0f} s", "switch − down-after, median", "p90", "last",
              "-failover-abort-not-elected", "other aborts", "masters with 2 leaders in an epoch", "notes"]
    rows = []
    for r in results:
        switch = r["switch"]
        converged = f"{r['converged']:.1f} s" if r["converged"] else f"not in {args.converge_timeout:.0f} s ({r['settled']}/{args.masters})"
        rows.append([r["kind"], args.masters, converged, f"{r['cpu']:.1f} %", f"{r['rss']:.1f} MiB",
                     f"{len(switch)}/{killed_count(args)}", ms(statistics.median(switch) if switch else None),
                     ms(percentile(switch, 0.9)), ms(max(switch) if switch else None), r["not-elected"], aborts_cell(r["other-aborts"]),
                     len(r["two-leaders"]), r["notes"]])
    kinds = {r["kind"]: r for r in results}
    if "vigil" in kinds and "redis-sentinel" in kinds:
        ours, stock = kinds["vigil"], kinds["redis-sentinel"]
        pick = [lambda s: statistics.median(s) if s else None, lambda s: percentile(s, 0.9), lambda s: max(s) if s else None]
        rows.append(["vigil / redis-sentinel", "", ratio(ours["converged"], stock["converged"]), ratio(ours["cpu"], stock["cpu"]),
                     ratio(ours["rss"], stock["rss"]), ""] + [ratio(f(ours["switch"]), f(stock["switch"])) for f in pick] + ["", "", "", ""])
    return markdown(header, rows)


def short_table(results, args):
    header = ["sentinel", "CPU hogs", f"false +sdown in {args.load_seconds:.0f} s of load", "writes/s",
              "switched", "+switch-master after the kill, median", "p90", "max", "within 300 ms", "failover aborts", "notes"]
    rows = []
    for r in results:
        done = [t for t in r["trials"] if t is not None]
        rows.append([r["kind"], r["hogs"], r["false-sdown"] if not r["false-switch"] else f"{r['false-sdown']} ({r['false-switch']} +switch-master)",
                     f"{r['writes/s']:.0f}", f"{len(done)}/{args.trials}", ms(statistics.median(done) if done else None),
                     ms(percentile(done, 0.9)), ms(max(done) if done else None), f"{sum(1 for t in done if t <= 0.3)}/{args.trials}",
                     aborts_cell(r["aborts"]), r["notes"]])
    for hogs in sorted({r["hogs"] for r in results}):
        kinds = {r["kind"]: [t for t in r["trials"] if t is not None] for r in results if r["hogs"] == hogs}
        if kinds.get("vigil") and kinds.get("redis-sentinel"):
            ours, stock = kinds["vigil"], kinds["redis-sentinel"]
            rows.append(["vigil / redis-sentinel", hogs, "", "", "", ratio(statistics.median(ours), statistics.median(stock)),
                         ratio(percentile(ours, 0.9), percentile(stock, 0.9)), ratio(max(ours), max(stock)), "", "", ""])
    return markdown(header, rows)


def aborts_cell(counter):
    return ", ".join(f"{count} {name}" for name, count in sorted(counter.items())) or "0"


def markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])


def interrupted(*_):
    raise KeyboardInterrupt()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vigil", default=os.path.join(ROOT, ".build", "release", "vigil"))
    parser.add_argument("--redis-sentinel", default="/usr/bin/redis-sentinel")
    parser.add_argument("--kinds", default="redis-sentinel,vigil", help="which sentinels to measure (comma-separated)")
    parser.add_argument("--scenarios", default="mass,short", help="mass, short or both (comma-separated)")
    parser.add_argument("--masters", type=int, default=50, help="mass: how many masters (each with one replica)")
    parser.add_argument("--down-after", type=int, default=2000, help="mass: down-after-milliseconds")
    parser.add_argument("--kill", type=int, default=0, help="mass: how many of the masters to kill at once (0: all)")
    parser.add_argument("--redis-hz", type=int, default=10,
                        help="mass: hz of every redis-server (an idle redis-server at Redis's default 10 takes about "
                             "0.09 %% of a core here, so 2,000 of them, for 1,000 masters, take both cores and starve "
                             "every sentinel; 1 for such runs)")
    parser.add_argument("--failover-timeout", type=int, default=10000, help="failover-timeout in ms (both scenarios)")
    parser.add_argument("--deadline", type=float, default=30, help="mass: seconds after down-after a switch counts")
    parser.add_argument("--converge-timeout", type=float, default=120, help="mass: seconds to wait for the sentinels to settle")
    parser.add_argument("--calm-timeout", type=float, default=60, help="mass: seconds to wait for no sentinel in TILT")
    parser.add_argument("--rest-seconds", type=float, default=5, help="mass: seconds over which CPU at rest is sampled")
    parser.add_argument("--short-down-after", type=int, default=100, help="short: down-after-milliseconds")
    parser.add_argument("--load-seconds", type=float, default=30, help="short: seconds of load counting false +sdown")
    parser.add_argument("--trials", type=int, default=5, help="short: kills of the master per run")
    parser.add_argument("--trial-timeout", type=float, default=30, help="short: seconds to wait for +switch-master")
    parser.add_argument("--settle", type=float, default=2, help="short: seconds between recovery and the next kill")
    parser.add_argument("--cpu-hogs", type=int, default=2, help="short: busy-loop processes of the run with hogs (0: none)")
    parser.add_argument("--state-dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                        help="where the sentinels' configuration files (rewritten and fsynced on every change) and the logs "
                             "go; default /dev/shm, so that disk latency is not measured (give /tmp to measure it)")
    parser.add_argument("--events", metavar="PREFIX", help="mass: write every event (time from the kill) to PREFIX-mass-<kind>.txt")
    args = parser.parse_args()
    binaries = {"redis-sentinel": args.redis_sentinel, "vigil": os.path.abspath(args.vigil)}
    kinds = [kind.strip() for kind in args.kinds.split(",")]
    scenarios = [scenario.strip() for scenario in args.scenarios.split(",")]
    for binary in [binaries[kind] for kind in kinds] + [shutil.which("redis-server")]:
        if not binary or not os.access(binary, os.X_OK):
            raise SystemExit(f"missing executable: {binary or 'redis-server'} (run make deps and build Vigil)")
    # SIGTERM and SIGINT (even where a shell started us ignoring it) unwind like Ctrl-C, so that every
    # started process is stopped by PID on the way out.
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    tables = []
    if "mass" in scenarios:
        results = [mass(kind, binaries[kind], args) for kind in kinds]
        killed = "killed at once" if killed_count(args) == args.masters else f"of which {killed_count(args)} killed at once"
        tables.append(f"Mass failover: {args.masters} masters with a replica each {killed}, 3 sentinels (quorum 2), "
                      f"down-after {args.down_after} ms, failover-timeout {args.failover_timeout} ms, loopback\n\n"
                      + mass_table(results, args))
    if "short" in scenarios:
        results = [short(kind, binaries[kind], hogs, args) for hogs in sorted({0, args.cpu_hogs}) for kind in kinds]
        tables.append(f"Short down-after: a master and 2 replicas, 3 sentinels, down-after {args.short_down_after} ms, "
                      f"failover-timeout {args.failover_timeout} ms, {args.trials} kills each, loopback\n\n"
                      + short_table(results, args))
    print("\n" + "\n\n".join(tables))


if __name__ == "__main__":
    main()
