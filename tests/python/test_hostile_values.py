"""Hostile values against a real Vigil and real redis-servers: forged hellos (anyone who reaches a
monitored node may publish on __sentinel__:hello, with no login), huge numbers in SENTINEL SET and
DEBUG, and a replica announcing a port no socket has. Vigil must keep running, restart cleanly, and
its config file must hold no line of the sender's choosing."""
import socket
import time

import pytest
import redis

from conftest import VIGIL, free_port, single_vigil_deployment, wait_for

HUGE = "9223372036854775807"
# A run id of Redis's length (40) whose newline would start a line of its own in the config file.
INJECTED_LINE = "user evil on nopass +@all"
NEWLINE_RUN_ID = "a" * 14 + "\n" + INJECTED_LINE
assert len(NEWLINE_RUN_ID) == 40


@pytest.fixture
def monitored():
    """A master, one replica and one Vigil (quorum 1, down-after 1000 ms); the config path is known."""
    with single_vigil_deployment("vigil-hostile-") as state:
        state["starts"] = 1
        yield state


def sentinel(state):
    return redis.Redis(port=state["sentinel"], socket_timeout=5)


def alive(state):
    return state["vigil"].poll() is None and sentinel(state).ping()


def restart(state):
    """Stops Vigil by its PID and starts it again on the same config file; it must come up."""
    state["vigil"].terminate()
    state["vigil"].wait(timeout=10)
    state["starts"] += 1
    state["vigil"] = state["processes"].start(f"vigil-start{state['starts']}", [VIGIL, state["config"]])
    assert wait_for(lambda: alive(state)), "vigil did not restart: " + state["processes"].report()


def config_lines(state):
    sentinel(state).execute_command("SENTINEL", "FLUSHCONFIG")
    with open(state["config"], encoding="utf-8", errors="replace") as handle:
        return handle.read().split("\n")


def hello(state, run_id, epoch="0", config_epoch="0"):
    # The announced sentinel port is a free one: nobody answers there, as with a forger.
    return f"127.0.0.1,{free_port()},{run_id},{epoch},mymaster,127.0.0.1,{state['master']},{config_epoch}"


def test_forged_hellos_neither_trap_nor_reach_the_config_file(monitored):
    master = redis.Redis(port=monitored["master"])
    master.publish("__sentinel__:hello", hello(monitored, "b" * 40, epoch=HUGE, config_epoch=HUGE))
    master.publish("__sentinel__:hello", hello(monitored, NEWLINE_RUN_ID))
    # A well-formed hello published after them: once it is learnt, the forged ones were seen too.
    master.publish("__sentinel__:hello", hello(monitored, "c" * 40, epoch="3"))
    assert wait_for(lambda: sentinel(monitored).sentinel_master("mymaster")["num-other-sentinels"] == 1), \
        monitored["processes"].report()
    lines = config_lines(monitored)
    assert INJECTED_LINE not in lines
    assert "sentinel current-epoch 3" in lines, lines
    assert not any(HUGE in line for line in lines), lines

    # A failover moves the current epoch on: with the forged epoch adopted this trapped.
    assert sentinel(monitored).execute_command("SENTINEL", "FAILOVER", "mymaster") in (b"OK", "OK", True)
    assert wait_for(
        lambda: sentinel(monitored).sentinel_get_master_addr_by_name("mymaster")[1] == monitored["replica"], timeout=30
    ), "no failover: " + monitored["processes"].report()
    assert alive(monitored)
    restart(monitored)
    lines = config_lines(monitored)
    assert INJECTED_LINE not in lines
    assert "sentinel current-epoch 4" in lines, lines


def test_huge_numbers_in_set_and_debug_are_refused(monitored):
    client = sentinel(monitored)
    for option in ["down-after-milliseconds", "failover-timeout", "master-reboot-down-after-period", "quorum", "parallel-syncs"]:
        with pytest.raises(redis.ResponseError) as refused:
            client.execute_command("SENTINEL", "SET", "mymaster", option, HUGE)
        assert str(refused.value) == f"Invalid argument '{HUGE}' for SENTINEL SET '{option}'"
    for parameter in ["ask-period", "ping-period", "info-period", "tilt-period"]:
        with pytest.raises(redis.ResponseError) as refused:
            client.execute_command("SENTINEL", "DEBUG", parameter, HUGE)
        assert str(refused.value) == f"Invalid argument '{HUGE}' for SENTINEL DEBUG '{parameter}'"
    with pytest.raises(redis.ResponseError):
        client.execute_command("SENTINEL", "SET", "mymaster", "auth-pass", "x\n" + INJECTED_LINE)
    assert client.execute_command("SENTINEL", "SET", "mymaster", "auth-user", "a user \"quoted\"") in (b"OK", "OK", True)
    # A second and a half of ticks: none of the refused values may have been kept.
    time.sleep(1.5)
    assert alive(monitored)
    lines = config_lines(monitored)
    assert INJECTED_LINE not in lines
    assert 'sentinel auth-user mymaster "a user \\"quoted\\""' in lines, lines
    restart(monitored)
    assert sentinel(monitored).sentinel_master("mymaster")["num-slaves"] == 1


def fake_replica(master_port, listening_port):
    """A raw connection that tells the master it listens on `listening_port` and asks for a sync:
    the master lists it in INFO replication with that port, as Redis does not check it."""
    connection = socket.create_connection(("127.0.0.1", master_port))
    connection.sendall(f"REPLCONF listening-port {listening_port}\r\n".encode())
    assert connection.recv(64).startswith(b"+OK")
    connection.sendall(b"PSYNC ? -1\r\n")
    return connection


def test_replicas_announcing_impossible_or_the_masters_own_address_are_not_learnt(monitored):
    client = sentinel(monitored)
    assert client.execute_command("SENTINEL", "DEBUG", "info-period", "100") in (b"OK", "OK", True)
    master = redis.Redis(port=monitored["master"])
    fakes = [fake_replica(monitored["master"], 70000), fake_replica(monitored["master"], monitored["master"])]
    try:
        listed = lambda: [v for k, v in master.info("replication").items() if k.startswith("slave") and isinstance(v, dict)]
        assert wait_for(lambda: any(entry.get("port") == 70000 for entry in listed())), listed()
        assert wait_for(lambda: any(entry.get("port") == monitored["master"] for entry in listed())), listed()
        # Several INFO periods go by; the forged entries must not become replicas.
        time.sleep(1.0)
        assert client.sentinel_master("mymaster")["num-slaves"] == 1
        lines = config_lines(monitored)
        assert not any("70000" in line for line in lines), lines
        assert f"sentinel known-replica mymaster 127.0.0.1 {monitored['master']}" not in lines, lines
        restart(monitored)
        assert wait_for(lambda: sentinel(monitored).sentinel_master("mymaster")["num-slaves"] == 1)
    finally:
        for connection in fakes:
            connection.close()
