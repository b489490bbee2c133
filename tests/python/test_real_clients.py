"""The Sentinel support of real client libraries, unchanged, against three Vigils: discover the master,
write, kill -9 the master, and write again on the new master once Vigil has failed over.

Each client runs as its own program (tests/clients/), the way an application would use it."""
import os
import shutil
import subprocess

import pytest
import redis

from conftest import ROOT, wait_for

CLIENTS = os.path.join(ROOT, "tests", "clients")
GO_ENVIRONMENT = {"GO111MODULE": "off", "GOPATH": "/usr/share/gocode", "GOFLAGS": ""}


def command_for(client, directory):
    """The argv that runs `client`, or None with the reason when its runtime is missing."""
    if client == "redis-rb":
        return ["ruby", os.path.join(CLIENTS, "ruby_client.rb")], shutil.which("ruby")
    if client == "go-redis-v5":
        binary = os.path.join(directory, "go_client")
        if not os.path.exists(binary) and shutil.which("go"):
            environment = dict(os.environ, GOCACHE=os.path.join(directory, "gocache"), **GO_ENVIRONMENT)
            subprocess.run(["go", "build", "-o", binary, os.path.join(CLIENTS, "go_client.go")],
                           check=True, env=environment, timeout=300)
        return [binary], shutil.which("go")
    if client == "phpredis":
        return ["php", os.path.join(CLIENTS, "phpredis_client.php")], shutil.which("php")
    if client == "predis":
        return ["php", os.path.join(CLIENTS, "predis_client.php")], shutil.which("php")
    if client == "redis-cli":
        return [os.path.join(CLIENTS, "redis_cli_client.sh")], shutil.which("redis-cli")
    raise ValueError(client)


def write_through(argv, sentinels, key, value):
    """Runs the client program; it prints the port of the master it wrote to."""
    result = subprocess.run(argv + [",".join(map(str, sentinels)), key, value],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{argv[0]} failed: {result.stderr}"
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("client", ["redis-rb", "go-redis-v5", "phpredis", "predis", "redis-cli"])
def test_client_follows_a_failover(failover_deployment, client):
    deployment = failover_deployment
    argv, runtime = command_for(client, deployment["directory"])
    assert runtime, f"{client}'s runtime is not installed: run scripts/install-deps.sh"
    sentinels = deployment["sentinels"]
    old_master = deployment["master"]

    assert write_through(argv, sentinels, "before", client) == old_master
    assert redis.Redis(port=old_master).get("before") == client.encode()

    deployment["master_process"].kill()
    deployment["master_process"].wait()
    new_master = write_through(argv, sentinels, "after", client)
    assert new_master in deployment["replicas"]
    # The node the client wrote to is the master every Vigil names, and it holds the write.
    assert redis.Redis(port=new_master).get("after") == client.encode()
    assert redis.Redis(port=new_master).info("replication")["role"] == "master"
    assert wait_for(lambda: all(
        redis.Redis(port=port, decode_responses=True).execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
        == ["127.0.0.1", str(new_master)]
        for port in sentinels), timeout=30)
