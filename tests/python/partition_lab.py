"""Real partitions on real processes: a master, two replicas and three sentinels (Vigil or
redis-sentinel), each in its own network namespace; a writer in the root namespace acknowledges
numbered writes through Sentinel lookup the whole time; a fault; the heal; then every sentinel
must agree, the agreed master must be the one real master, and the acknowledged writes that are
gone are counted.

One run is one `Scenario` (fault, settings, seed); `run(scenario)` returns a dict of measures.
"""
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import redis

from partition_net import Lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIGIL = os.environ.get("VIGIL_BINARY", os.path.join(ROOT, ".build", "debug", "vigil"))
REDIS_NODES = ["master", "replica1", "replica2"]
SENTINELS = ["s1", "s2", "s3"]
HOSTS = {"master": 11, "replica1": 12, "replica2": 13, "s1": 21, "s2": 22, "s3": 23}


class Scenario:
    def __init__(self, fault, seed, sentinel="vigil", min_replicas=0, appendfsync="everysec",
                 fault_seconds=10.0, down_after=1000, promotion_bound=0, promotion_wait=0, rate=200, wait_for_sync=True):
        self.wait_for_sync = wait_for_sync
        self.fault, self.seed, self.sentinel = fault, seed, sentinel
        self.min_replicas, self.appendfsync = min_replicas, appendfsync
        self.fault_seconds, self.down_after, self.rate = fault_seconds, down_after, rate
        self.promotion_bound, self.promotion_wait = promotion_bound, promotion_wait

    def describe(self):
        return (f"seed={self.seed} fault={self.fault} sentinel={self.sentinel} min-replicas-to-write={self.min_replicas} "
                f"appendfsync={self.appendfsync} fault-seconds={self.fault_seconds} promotion-bound={self.promotion_bound}")


class Cluster:
    def __init__(self, lab, scenario, directory):
        self.lab, self.scenario, self.directory = lab, scenario, directory
        self.processes = {}
        # The order the writer asks sentinels in; a fault puts the one it cuts off first, so the
        # client keeps talking to the minority side as long as that side answers (Jepsen's case).
        self.lookup_order = list(SENTINELS)
        self.notes = []
        self.rng = random.Random(scenario.seed)

    def start_redis(self, name):
        ip = self.lab.address(name)
        data = os.path.join(self.directory, name)
        os.makedirs(data, exist_ok=True)
        args = ["redis-server", "--port", "6379", "--bind", ip, "--protected-mode", "no", "--save", "", "--dir", data,
                "--appendonly", "yes", "--appendfsync", self.scenario.appendfsync,
                "--min-replicas-to-write", str(self.scenario.min_replicas), "--min-replicas-max-lag", "10"]
        if name != "master" and not os.path.exists(os.path.join(data, "started")):
            args += ["--replicaof", self.lab.address("master"), "6379"]
        open(os.path.join(data, "started"), "w").close()
        self._spawn(name, args)

    def sentinel_config(self, name):
        path = os.path.join(self.directory, f"{name}.conf")
        if not os.path.exists(path):
            lines = [f"port 26379", f"bind {self.lab.address(name)}", "protected-mode no",
                     f"sentinel monitor mymaster {self.lab.address('master')} 6379 2",
                     f"sentinel down-after-milliseconds mymaster {self.scenario.down_after}",
                     "sentinel failover-timeout mymaster 10000"]
            if self.scenario.promotion_bound:
                lines.append(f"sentinel vigil-promotion-max-lag-bytes mymaster {self.scenario.promotion_bound}")
                lines.append(f"sentinel vigil-promotion-catch-up-ms mymaster {self.scenario.promotion_wait}")
            with open(path, "w") as handle:
                handle.write("\n".join(lines) + "\n")
        return path

    def start_sentinel(self, name):
        binary = [VIGIL] if self.scenario.sentinel == "vigil" else ["redis-sentinel"]
        self._spawn(name, binary + [self.sentinel_config(name)])

    def _spawn(self, name, argv):
        log = open(os.path.join(self.directory, f"{name}.log"), "ab")
        self.processes[name] = subprocess.Popen(self.lab.exec_prefix(name) + argv, stdout=log, stderr=subprocess.STDOUT,
                                                cwd=self.directory)

    def signal(self, name, number):
        child = self.processes.get(name)
        if child is not None and child.poll() is None:
            os.kill(child.pid, number)
            if number == signal.SIGKILL:
                child.wait(timeout=5)

    def stop_all(self):
        for name, child in self.processes.items():
            if child.poll() is None:
                os.kill(child.pid, signal.SIGCONT)
                os.kill(child.pid, signal.SIGKILL)
                child.wait(timeout=5)

    def client(self, name, port, timeout=0.25):
        return redis.Redis(host=self.lab.address(name), port=port, socket_timeout=timeout, socket_connect_timeout=timeout)

    def name_of(self, address):
        address = address.decode() if isinstance(address, bytes) else address
        return next((n for n in REDIS_NODES if self.lab.address(n) == address), address)

    def agreement(self):
        """(master name, None) when all sentinels agree and it is the one real master; else (None, why)."""
        answers = []
        for name in SENTINELS:
            try:
                answers.append(self.name_of(self.client(name, 26379).sentinel_get_master_addr_by_name("mymaster")[0]))
            except Exception as error:  # noqa: BLE001 (any failure means not yet)
                return None, f"{name}: {error}"
        if len(set(answers)) != 1:
            return None, f"sentinels disagree: {answers}"
        agreed = answers[0]
        masters = []
        for node in REDIS_NODES:
            try:
                info = self.client(node, 6379).info("replication")
            except Exception as error:  # noqa: BLE001
                return None, f"{node}: {error}"
            if info["role"] == "master":
                masters.append(node)
            elif self.name_of(info.get("master_host")) != agreed or info.get("master_link_status") != "up":
                return None, f"{node} replicates from {self.name_of(info.get('master_host'))} ({info.get('master_link_status')})"
        if masters != [agreed]:
            return None, f"sentinels say {agreed}, nodes with role master: {masters}"
        return agreed, None


class Writer(threading.Thread):
    """Numbered writes at a fixed rate to the master a sentinel names (asked in order, first answer)."""

    def __init__(self, cluster, rate):
        super().__init__(daemon=True)
        self.cluster, self.interval = cluster, 1.0 / rate
        self.acked = []  # (number, node, time)
        self.stopping = False
        self.connections = {}
        self.sentinels = {}

    def lookup(self):
        for name in list(self.cluster.lookup_order):
            try:
                if name not in self.sentinels:
                    self.sentinels[name] = self.cluster.client(name, 26379, 0.1)
                reply = self.sentinels[name].sentinel_get_master_addr_by_name("mymaster")
                if reply:
                    return reply[0].decode() if isinstance(reply[0], bytes) else reply[0]
            except Exception:  # noqa: BLE001 (try the next sentinel)
                continue
        return None

    def run(self):
        """Like a pooled Sentinel client (redis-py's): it keeps writing to the master it looked up
        until a write fails, and only then asks the sentinels again."""
        number = 0
        address = None
        next_at = time.monotonic()
        while not self.stopping:
            next_at += self.interval
            number += 1
            if address is None:
                address = self.lookup()
            if address is not None:
                try:
                    connection = self.connections.get(address)
                    if connection is None:
                        connection = redis.Redis(host=address, port=6379, socket_timeout=0.25, socket_connect_timeout=0.25)
                        self.connections[address] = connection
                    if connection.set(f"k{number}", number):
                        self.acked.append((number, self.cluster.name_of(address), time.monotonic()))
                except Exception:  # noqa: BLE001 (not acknowledged: look the master up again)
                    self.connections.pop(address, None)
                    address = None
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_at = time.monotonic()


FAULTS = ["isolate-master-minority", "isolate-vigil", "split-replicas", "asymmetric-master", "netem-master",
          "pause-master", "kill-master", "kill-vigil", "pause-vigil",
          "split-replicas-kill-master", "kill-master-in-first-sync"]


def apply_fault(cluster, fault, rng):
    """Starts the fault; returns the function that ends it (the heal)."""
    lab = cluster.lab
    others = [s for s in SENTINELS]
    rng.shuffle(others)
    if fault == "isolate-master-minority":
        minority = others[0]
        cluster.lookup_order = [minority] + others[1:]
        lab.split(["master", minority], ["replica1", "replica2"] + others[1:])
        return lab.heal
    if fault == "isolate-vigil":
        alone = others[0]
        cluster.lookup_order = [alone] + others[1:]
        lab.split([alone], REDIS_NODES + others[1:])
        return lab.heal
    if fault == "split-replicas":
        lab.split(["master"], ["replica1", "replica2"])
        return lab.heal
    if fault == "split-replicas-kill-master":
        # Replicas fall behind while the master keeps acknowledging; then the master dies: the
        # failover can only pick a replica missing the whole split (what the promotion bound refuses).
        lab.split(["master"], ["replica1", "replica2"])

        def heal():
            cluster.signal("master", signal.SIGKILL)
            lab.heal()
            time.sleep(5)
            cluster.start_redis("master")
        return heal
    if fault == "kill-master-in-first-sync":
        # Both replicas lose their data and start their first full sync (Redis waits
        # repl-diskless-sync-delay, 5 s, before sending it); the master dies a second later. Redis's
        # selection rule lets a replica in its first sync be promoted: with nothing in it.
        for name in ("replica1", "replica2"):
            cluster.signal(name, signal.SIGKILL)
            shutil.rmtree(os.path.join(cluster.directory, name), ignore_errors=True)
            cluster.start_redis(name)
        time.sleep(1)
        cluster.signal("master", signal.SIGKILL)
        return lambda: cluster.start_redis("master")
    if fault == "asymmetric-master":
        # The master hears nobody but the client; what it sends still arrives.
        for name in ["replica1", "replica2"] + SENTINELS:
            lab.cut("master", name, both_ways=False)
        return lab.heal
    if fault == "netem-master":
        if not lab.netem("master", rng.choice([100, 200, 400]), rng.choice([20, 40, 60])):
            cluster.notes.append("no netem qdisc in this kernel: loss only (iptables), no delay")
        return lab.heal
    if fault == "pause-master":
        cluster.signal("master", signal.SIGSTOP)
        return lambda: cluster.signal("master", signal.SIGCONT)
    if fault == "kill-master":
        cluster.signal("master", signal.SIGKILL)
        return lambda: cluster.start_redis("master")
    if fault == "pause-vigil":
        # The nearest thing to a clock jump on one process: when it resumes, its clocks have leapt
        # forward by the pause. A real per-process jump is not possible (time namespaces set their
        # offsets only before the first process enters, and CLOCK_REALTIME is not namespaced).
        victim = others[0]
        cluster.lookup_order = [victim] + others[1:]
        cluster.signal(victim, signal.SIGSTOP)
        return lambda: cluster.signal(victim, signal.SIGCONT)
    if fault == "kill-vigil":
        victim = others[0]
        cluster.signal(victim, signal.SIGKILL)
        return lambda: cluster.start_sentinel(victim)
    raise ValueError(f"unknown fault {fault}; known: {', '.join(FAULTS)}")


def wait(condition, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return None


def settled(cluster):
    for name in SENTINELS:
        try:
            state = cluster.client(name, 26379).sentinel_master("mymaster")
            if state["num-slaves"] != 2 or state["num-other-sentinels"] != 2:
                return False
        except Exception:  # noqa: BLE001
            return False
    return True


def replicas_in_sync(cluster):
    """Both replicas finished their first sync (a replica still in it has nothing to lose)."""
    try:
        for name in ("replica1", "replica2"):
            info = cluster.client(name, 6379).info("replication")
            if info.get("master_link_status") != "up" or info.get("master_sync_in_progress"):
                return False
        return len([k for k in cluster.client("master", 6379).info("replication") if k.startswith("slave")]) == 2
    except Exception:  # noqa: BLE001
        return False


def run(scenario, keep=False):
    """One run; returns its measures (a dict). Removes every namespace, bridge and process it made."""
    rng = random.Random(scenario.seed)
    directory = tempfile.mkdtemp(prefix="vigil-partition-")
    lab = Lab()
    cluster = Cluster(lab, scenario, directory)
    result = {"scenario": scenario.describe(), "directory": directory, "subnet": lab.k}
    try:
        for name in REDIS_NODES + SENTINELS:
            lab.add(name, HOSTS[name])
        for name in REDIS_NODES:
            cluster.start_redis(name)
        for name in SENTINELS:
            cluster.start_sentinel(name)
        if scenario.wait_for_sync and not wait(lambda: replicas_in_sync(cluster), 40):
            raise AssertionError(f"the replicas did not sync ({scenario.describe()}); logs in {directory}")
        if not wait(lambda: settled(cluster), 40):
            raise AssertionError(f"the sentinels did not find each other ({scenario.describe()}); logs in {directory}")
        writer = Writer(cluster, scenario.rate)
        writer.start()
        time.sleep(2 + rng.random())
        fault_at = time.monotonic()
        heal = apply_fault(cluster, scenario.fault, rng)
        time.sleep(scenario.fault_seconds)
        heal()
        healed_at = time.monotonic()
        agreed = wait(lambda: cluster.agreement()[0], 60, 0.25)
        converged_at = time.monotonic()
        time.sleep(1)
        writer.stopping = True
        writer.join(timeout=5)
        result["why_not_converged"] = None if agreed else cluster.agreement()[1]
        result.update(measure(cluster, writer, agreed, fault_at, healed_at))
        result["notes"] = cluster.notes
        result["converged_seconds"] = round(converged_at - healed_at, 1) if agreed else None
        return result
    finally:
        cluster.stop_all()
        lab.close()
        if not keep and "lost" in result and result.get("why_not_converged") is None:
            shutil.rmtree(directory, ignore_errors=True)


def measure(cluster, writer, agreed, fault_at, healed_at):
    acked = list(writer.acked)
    out = {"acked": len(acked), "agreed_master": agreed}
    window = [t for _, _, t in acked if t >= fault_at - 0.5]
    gaps = [b - a for a, b in zip(window, window[1:])]
    out["longest_gap_seconds"] = round(max(gaps), 2) if gaps else None
    old_after_heal = [t for _, node, t in acked if node == "master" and t > healed_at]
    out["old_master_acks_after_heal_seconds"] = (round(max(old_after_heal) - healed_at, 1)
                                                 if old_after_heal and agreed and agreed != "master" else 0.0)
    if not agreed:
        out["lost"] = None
        return out
    client = cluster.client(agreed, 6379, 5)
    missing = set()
    numbers = [n for n, _, _ in acked]
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        values = client.mget([f"k{n}" for n in chunk])
        missing.update(n for n, v in zip(chunk, values) if v is None or int(v) != n)
    out["lost"] = len(missing)
    # Where and when the lost writes were acknowledged (seconds from the fault's start).
    by_node = {}
    for n, node, t in acked:
        if n in missing:
            first, last, count = by_node.get(node, (t, t, 0))
            by_node[node] = (min(first, t), max(last, t), count + 1)
    out["lost_by_node"] = {node: {"count": c, "from": round(a - fault_at, 2), "to": round(b - fault_at, 2)}
                           for node, (a, b, c) in sorted(by_node.items())}
    out["healed_after_seconds"] = round(healed_at - fault_at, 2)
    during = [n for n, _, t in acked if fault_at <= t <= healed_at]
    lost_during = sum(1 for n in during if n in missing)
    out["acked_during_fault"] = len(during)
    out["lost_percent_of_fault_acks"] = round(100.0 * lost_during / max(1, len(during)), 1)
    return out
