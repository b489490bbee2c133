"""Fixtures that start real redis-server and Vigil processes on free loopback ports and stop them by PID."""
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIGIL = os.environ.get("VIGIL_BINARY", os.path.join(ROOT, ".build", "debug", "vigil"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout=15.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except Exception:
            pass
        time.sleep(interval)
    return False


class Processes:
    def __init__(self, directory):
        self.directory = directory
        self.children = []

    def start(self, name, argv):
        log = open(os.path.join(self.directory, name + ".log"), "wb")
        child = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.directory)
        self.children.append(child)
        return child

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


@pytest.fixture
def deployment():
    """A master, one replica and one Vigil (quorum 1) on loopback."""
    import redis

    directory = tempfile.mkdtemp(prefix="vigil-py-")
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
    processes.start("vigil", [VIGIL, config])
    try:
        assert wait_for(lambda: redis.Redis(port=sentinel_port).ping()), "vigil did not start"
        assert wait_for(
            lambda: redis.Redis(port=sentinel_port).sentinel_master("mymaster")["num-slaves"] == 1
        ), "vigil did not discover the replica"
        yield {"master": master_port, "replica": replica_port, "sentinel": sentinel_port, "processes": processes}
    finally:
        processes.stop_all()
