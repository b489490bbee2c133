"""The one launcher of local deployments for the Python tests and the benchmarks: redis-server
masters with their replicas, and sentinels (Vigil or stock redis-sentinel) monitoring every master,
all on free loopback ports (127.0.0.1 only). The Swift tests and `vigil demo` use its Swift twin,
`LocalDeployment` in Sources/VigilTestSupport, with the same topology and settings.

Every process is a child of this one, logs into the deployment's temporary directory, and is stopped
by its PID (`stop`, also on exceptions: use `with Deployment(...) as deployment:`). The directory is
removed at the end unless the environment sets KEEP_LOGS.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import redis

from loopback_ports import free_port
from polling import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIGIL = os.environ.get("VIGIL_BINARY", os.path.join(ROOT, ".build", "debug", "vigil"))


class Processes:
    """Child processes started in one directory, each logging to `<name>.log`, stopped by PID."""

    def __init__(self, directory):
        self.directory = directory
        self.children = []

    def start(self, name, argv):
        with open(os.path.join(self.directory, name + ".log"), "wb") as log:
            child = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.directory)
        child.name = name
        self.children.append(child)
        return child

    def report(self):
        """Which processes have exited, with the end of each one's log, for a failed wait's message."""
        lines = []
        for child in self.children:
            if child.poll() is not None:
                with open(os.path.join(self.directory, child.name + ".log"), "rb") as handle:
                    tail = handle.read()[-600:].decode(errors="replace")
                lines.append(f"{child.name} (pid {child.pid}) exited with {child.returncode}:\n{tail}")
        return "\n".join(lines) or f"every process is running; logs in {self.directory}"

    def stop_all(self):
        stop_processes(self.children)


def stop_processes(children):
    """Stops the still running processes among `children` by PID: first every process that is not a
    redis-server, last started first (the sentinels, so that none sees its nodes go), then every
    redis-server at once. Each gets SIGCONT (a paused one must be able to exit) and SIGTERM, then
    SIGKILL after 5 s. A redis-server acts on SIGTERM in its timer, up to 1/hz s later; one at a
    time, the 2,000 of a 1,000-master run at hz 1 took half an hour."""
    running = [child for child in reversed(children) if child.poll() is None]
    for child in running:
        if child.args and os.path.basename(str(child.args[0])) != "redis-server":
            terminate([child])
    terminate([child for child in running if child.poll() is None])


def terminate(children):
    for child in children:
        try:
            os.kill(child.pid, signal.SIGCONT)
            child.terminate()
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    for child in children:
        try:
            child.wait(timeout=max(0.01, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=5)


class MasterGroup:
    """One monitored master: its name, port and process, and its replicas' ports."""

    def __init__(self, name, port, process, replica_ports):
        self.name = name
        self.port = port
        self.process = process
        self.replica_ports = replica_ports


class Deployment:
    """`names` masters with `replicas` replicas each, and `sentinels` sentinels of `sentinel_binary`
    monitoring all of them with `quorum`, `down_after_ms` and `failover_timeout_ms` (None leaves
    the default); `extra_config(port)` gives more lines for the config of the sentinel on `port`;
    `server_options` are added to every redis-server's command line.
    Returns once every process is started; `ready()` waits for them to settle."""

    def __init__(self, sentinel_binary, names=("mymaster",), replicas=2, sentinels=3, quorum=2,
                 down_after_ms=1000, failover_timeout_ms=10000, prefix="vigil-bench-", parent=None,
                 extra_config=lambda port: "", server_options=()):
        self.server_options = list(server_options)
        # The configuration files (which the sentinels rewrite and fsync) and logs go below `parent`
        # (the system's temporary directory by default).
        self.directory = tempfile.mkdtemp(prefix=prefix, dir=parent)
        self.processes = Processes(self.directory)
        self.replicas = replicas
        self.groups = []
        self.sentinel_ports = [free_port() for _ in range(sentinels)]
        self.config_paths = []
        self.started_at = time.monotonic()
        try:
            for name in names:
                port = free_port()
                process = self.start(self.server_argv(port))
                replica_ports = [free_port() for _ in range(replicas)]
                for replica_port in replica_ports:
                    self.start(self.server_argv(replica_port, replicaof=port))
                self.groups.append(MasterGroup(name, port, process, replica_ports))
            self.sentinels = []
            self.sentinel_settings = (quorum, down_after_ms, failover_timeout_ms, extra_config)
            for port in self.sentinel_ports:
                self.start_sentinel(sentinel_binary, port)
        except BaseException:
            self.stop()
            raise

    def start_sentinel(self, binary, port):
        """A sentinel of `binary` on `port` monitoring every master with the deployment's settings."""
        quorum, down_after_ms, failover_timeout_ms, extra_config = self.sentinel_settings
        path = os.path.join(self.directory, f"sentinel-{port}.conf")
        with open(path, "w") as handle:
            handle.write(f"port {port}\nbind 127.0.0.1\n")
            for group in self.groups:
                handle.write(f"sentinel monitor {group.name} 127.0.0.1 {group.port} {quorum}\n"
                             f"sentinel down-after-milliseconds {group.name} {down_after_ms}\n")
                if failover_timeout_ms is not None:
                    handle.write(f"sentinel failover-timeout {group.name} {failover_timeout_ms}\n")
            handle.write(extra_config(port))
        self.config_paths.append(path)
        self.sentinels.append(self.processes.start(f"sentinel-{port}", [binary, path]))
        return self.sentinels[-1]

    def add_sentinel(self, binary):
        """One more sentinel, of another binary if wanted (Vigil beside redis-sentinel), on a new
        port; `ready()` then waits for it too. Returns its port."""
        port = free_port()
        self.sentinel_ports.append(port)
        self.start_sentinel(binary, port)
        return port

    children = property(lambda self: self.processes.children)

    def report(self):
        return self.processes.report()

    # The first master, for the single-master topologies.
    master = property(lambda self: self.groups[0].process)
    master_port = property(lambda self: self.groups[0].port)
    replica_ports = property(lambda self: self.groups[0].replica_ports)

    def server_argv(self, port, replicaof=None):
        argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", self.directory] + self.server_options
        return argv + (["--replicaof", "127.0.0.1", str(replicaof)] if replicaof else [])

    def start(self, argv):
        """A redis-server (or any process), logging to `redis-<port>-<n>.log`."""
        port = argv[argv.index("--port") + 1] if "--port" in argv else "process"
        return self.processes.start(f"redis-{port}-{len(self.children)}", argv)

    def process_on(self, port, running=True):
        """The last redis-server started on `port` that is running (or, with running=False, has exited)."""
        for child in reversed(self.children):
            argv = child.args
            if (child.poll() is None) == running and "--port" in argv and argv[argv.index("--port") + 1] == str(port):
                return child
        return None

    def restart(self, port):
        """Starts a crashed node again with its arguments, minus --replicaof: the sentinels convert it."""
        child = self.process_on(port, running=False)
        if child is None:
            return None
        argv = list(child.args)
        if "--replicaof" in argv:
            at = argv.index("--replicaof")
            del argv[at:at + 3]
        return self.start(argv)

    def settled_masters(self, port):
        """How many masters this sentinel sees with all their replicas and every other sentinel."""
        client = redis.Redis(port=port, decode_responses=True, socket_timeout=5)
        try:
            masters = client.sentinel_masters()
        finally:
            client.close()
        names = {group.name for group in self.groups}
        return sum(1 for name, state in masters.items() if name in names
                   and int(state["num-slaves"]) == self.replicas
                   and int(state["num-other-sentinels"]) == len(self.sentinel_ports) - 1)

    def replicas_up(self):
        for group in self.groups:
            for port in group.replica_ports:
                client = redis.Redis(port=port, socket_timeout=5)
                try:
                    if client.info("replication")["master_link_status"] != "up":
                        return False
                finally:
                    client.close()
        return True

    def ready(self, timeout=60):
        """Every replica is linked, and every sentinel sees every master settled."""
        return wait_for(lambda: self.replicas_up() and all(self.settled_masters(p) == len(self.groups)
                                                           for p in self.sentinel_ports), timeout=timeout, interval=0.1)

    def agreed_master(self, name="mymaster"):
        """The master's port if every sentinel names the same address for it, else None."""
        answers = set()
        for port in self.sentinel_ports:
            client = redis.Redis(port=port, decode_responses=True, socket_timeout=5)
            try:
                answers.add(tuple(client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name)))
            finally:
                client.close()
        return int(answers.pop()[1]) if len(answers) == 1 else None

    def whole(self, name="mymaster", timeout=90):
        """Every sentinel names the same master, and it has all its replicas online."""
        def check():
            client = redis.Redis(port=self.agreed_master(name), socket_timeout=5)
            try:
                info = client.info("replication")
            finally:
                client.close()
            # Online and streaming: Redis sends a replica nothing after a diskless sync until its first ACK.
            online = sum(1 for key, value in info.items() if key.startswith("slave") and isinstance(value, dict)
                         and value.get("state") == "online" and int(value.get("offset", 0)) > 0)
            return info["role"] == "master" and online == self.replicas
        return wait_for(check, timeout=timeout, interval=0.05)

    def stop(self):
        self.processes.stop_all()
        if os.environ.get("KEEP_LOGS"):
            print(f"logs and configurations kept in {self.directory}", file=sys.stderr)
        else:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
