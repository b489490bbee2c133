"""Fixtures that start real redis-server and Vigil processes on free loopback ports and stop them by PID."""
import contextlib
import os
import signal
import subprocess
import tempfile

import pytest

from loopback_ports import free_port  # noqa: F401 (the fixtures and tests use it)
from polling import wait_for  # noqa: F401 (the fixtures and tests use it)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIGIL = os.environ.get("VIGIL_BINARY", os.path.join(ROOT, ".build", "debug", "vigil"))


class Processes:
    def __init__(self, directory):
        self.directory = directory
        self.children = []

    def start(self, name, argv):
        log = open(os.path.join(self.directory, name + ".log"), "wb")
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
        for child in reversed(self.children):
            if child.poll() is None:
                os.kill(child.pid, signal.SIGCONT)
                child.terminate()
                try:
                    child.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait(timeout=5)


@contextlib.contextmanager
def single_vigil_deployment(prefix):
    """A master, one replica and one Vigil (quorum 1, down-after 1000 ms) on loopback, until the
    block ends. Yields the ports, the config file's path, the Vigil process and the processes."""
    import redis

    directory = tempfile.mkdtemp(prefix=prefix)
    processes = Processes(directory)
    master_port, replica_port, sentinel_port = free_port(), free_port(), free_port()
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory]
    processes.start("master", ["redis-server", "--port", str(master_port)] + common)
    processes.start("replica", ["redis-server", "--port", str(replica_port), "--replicaof", "127.0.0.1", str(master_port)] + common)
    config = os.path.join(directory, "sentinel.conf")
    with open(config, "w") as handle:
        handle.write(
            f"port {sentinel_port}\nbind 127.0.0.1\n"
            f"sentinel monitor mymaster 127.0.0.1 {master_port} 1\n"
            "sentinel down-after-milliseconds mymaster 1000\n"
        )
    vigil = processes.start("vigil", [VIGIL, config])
    try:
        assert wait_for(lambda: redis.Redis(port=sentinel_port).ping()), "vigil did not start: " + processes.report()
        assert wait_for(
            lambda: redis.Redis(port=sentinel_port).sentinel_master("mymaster")["num-slaves"] == 1
        ), "vigil did not discover the replica: " + processes.report()
        yield {"master": master_port, "replica": replica_port, "sentinel": sentinel_port, "config": config,
               "vigil": vigil, "processes": processes}
    finally:
        processes.stop_all()


@pytest.fixture
def deployment():
    """A master, one replica and one Vigil (quorum 1) on loopback."""
    with single_vigil_deployment("vigil-py-") as state:
        yield state


@pytest.fixture
def failover_deployment():
    """A master, two replicas and three Vigils (quorum 2, down-after 1000 ms) that know each other."""
    with three_vigil_deployment() as state:
        yield state


@contextlib.contextmanager
def three_vigil_deployment(extra_config=lambda port: ""):
    """A master, two replicas and three Vigils (quorum 2, down-after 1000 ms) that know each other, until
    the block ends. `extra_config(port)` gives more lines for the config of the Vigil on `port`."""
    import redis

    directory = tempfile.mkdtemp(prefix="vigil-clients-")
    processes = Processes(directory)
    master_port = free_port()
    replica_ports = [free_port(), free_port()]
    sentinel_ports = [free_port() for _ in range(3)]
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory]
    master = processes.start("master", ["redis-server", "--port", str(master_port)] + common)
    for index, port in enumerate(replica_ports):
        processes.start(f"replica{index}", ["redis-server", "--port", str(port), "--replicaof", "127.0.0.1", str(master_port)] + common)
    for port in sentinel_ports:
        config = os.path.join(directory, f"sentinel-{port}.conf")
        with open(config, "w") as handle:
            handle.write(
                f"port {port}\nbind 127.0.0.1\n"
                f"sentinel monitor mymaster 127.0.0.1 {master_port} 2\n"
                "sentinel down-after-milliseconds mymaster 1000\n"
                "sentinel failover-timeout mymaster 10000\n"
                + extra_config(port)
            )
        processes.start(f"vigil-{port}", [VIGIL, config])

    def settled(port):
        state = redis.Redis(port=port).sentinel_master("mymaster")
        return state["num-slaves"] == 2 and state["num-other-sentinels"] == 2

    try:
        assert wait_for(lambda: all(settled(port) for port in sentinel_ports), timeout=30), \
            "the Vigils did not find each other: " + processes.report()
        yield {"master": master_port, "master_process": master, "replicas": replica_ports,
               "sentinels": sentinel_ports, "directory": directory, "processes": processes}
    finally:
        processes.stop_all()
