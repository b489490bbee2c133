"""redis-py's Sentinel support, unchanged, against Vigil."""
import pytest
from redis.sentinel import Sentinel

from conftest import wait_for


@pytest.mark.parametrize("protocol", [2, 3])
def test_discover_master_and_replicas(deployment, protocol):
    sentinel = Sentinel([("127.0.0.1", deployment["sentinel"])], socket_timeout=2, protocol=protocol)
    assert sentinel.discover_master("mymaster") == ("127.0.0.1", deployment["master"])
    assert wait_for(lambda: sentinel.discover_slaves("mymaster") == [("127.0.0.1", deployment["replica"])])


@pytest.mark.parametrize("protocol", [2, 3])
def test_master_for_writes_and_replica_reads(deployment, protocol):
    sentinel = Sentinel([("127.0.0.1", deployment["sentinel"])], socket_timeout=2, protocol=protocol)
    master = sentinel.master_for("mymaster", socket_timeout=2, protocol=protocol)
    master.set("vigil-key", "value")
    assert master.get("vigil-key") == b"value"
    replica = sentinel.slave_for("mymaster", socket_timeout=2, protocol=protocol)
    assert wait_for(lambda: replica.get("vigil-key") == b"value")


def test_unknown_master_is_reported(deployment):
    from redis.sentinel import MasterNotFoundError

    sentinel = Sentinel([("127.0.0.1", deployment["sentinel"])], socket_timeout=2)
    with pytest.raises(MasterNotFoundError):
        sentinel.discover_master("nosuchmaster")


def test_sentinel_commands_through_redis_py(deployment):
    import redis

    client = redis.Redis(port=deployment["sentinel"], protocol=3)
    masters = client.sentinel_masters()
    assert masters["mymaster"]["port"] == deployment["master"]
    assert client.execute_command("SENTINEL", "MYID").decode().isalnum()
    assert client.execute_command("ROLE")[0] == b"sentinel"
