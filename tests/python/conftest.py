"""Fixtures that start real redis-server and Vigil processes on free loopback ports and stop them by PID."""
import contextlib

import pytest

from loopback_ports import free_port  # noqa: F401 (the fixtures and tests use it)
from polling import wait_for  # noqa: F401 (the fixtures and tests use it)

from local_deployment import ROOT, VIGIL, Deployment, Processes  # noqa: F401 (the tests import them from here)


@contextlib.contextmanager
def single_vigil_deployment(prefix):
    """A master, one replica and one Vigil (quorum 1, down-after 1000 ms) on loopback, until the
    block ends. Yields the ports, the config file's path, the Vigil process and the processes."""
    import redis

    with Deployment(VIGIL, replicas=1, sentinels=1, quorum=1, failover_timeout_ms=None, prefix=prefix) as started:
        sentinel_port = started.sentinel_ports[0]
        assert wait_for(lambda: redis.Redis(port=sentinel_port).ping()), "vigil did not start: " + started.report()
        assert wait_for(
            lambda: redis.Redis(port=sentinel_port).sentinel_master("mymaster")["num-slaves"] == 1
        ), "vigil did not discover the replica: " + started.report()
        yield {"master": started.master_port, "replica": started.replica_ports[0], "sentinel": sentinel_port,
               "config": started.config_paths[0], "vigil": started.sentinels[0], "processes": started.processes}


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
    with Deployment(VIGIL, replicas=2, sentinels=3, quorum=2, prefix="vigil-clients-", extra_config=extra_config) as started:
        assert started.ready(timeout=30), "the Vigils did not find each other: " + started.report()
        yield {"master": started.master_port, "master_process": started.master, "replicas": started.replica_ports,
               "sentinels": started.sentinel_ports, "directory": started.directory, "processes": started.processes}
