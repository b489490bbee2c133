"""Hostile values against a real Vigil and real redis-servers: forged hellos (anyone who reaches a
monitored node may publish on __sentinel__:hello, with no login), huge numbers in SENTINEL SET and
DEBUG, and a replica announcing a port no socket has. Vigil must keep running, restart cleanly, and
its config file must hold no line of the sender's choosing."""
import socket
import threading
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


def test_a_vote_request_with_a_huge_epoch_is_refused_and_votes_go_on(monitored):
    client = sentinel(monitored)
    with pytest.raises(redis.ResponseError) as refused:
        client.execute_command("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", monitored["master"], HUGE, "d" * 40)
    assert str(refused.value) == "value is not an integer or out of range"
    # A run id holding a newline would be kept as the vote and written as leader.
    with pytest.raises(redis.ResponseError):
        client.execute_command("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", monitored["master"], "5", NEWLINE_RUN_ID)
    reply = client.execute_command("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", monitored["master"], "5", "d" * 40)
    assert [item.decode() if isinstance(item, bytes) else item for item in reply] == [0, "d" * 40, 5]
    lines = config_lines(monitored)
    assert "sentinel current-epoch 5" in lines, lines
    assert not any(HUGE in line or INJECTED_LINE in line for line in lines), lines
    # The next failover takes epoch 6: with the huge epoch kept, `epoch + 1` trapped here.
    assert client.execute_command("SENTINEL", "FAILOVER", "mymaster") in (b"OK", "OK", True)
    assert wait_for(
        lambda: sentinel(monitored).sentinel_get_master_addr_by_name("mymaster")[1] == monitored["replica"], timeout=30
    ), "no failover: " + monitored["processes"].report()
    restart(monitored)
    assert "sentinel current-epoch 6" in config_lines(monitored)


class LyingReplica:
    """A node that answers like a replica and lies in INFO: numbers far out of Redis's ranges, a
    malformed replication id. No real redis-server says these, so this fake stands in for one."""

    INFO = ("# Server\r\nrun_id:{run_id}\r\n# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\n"
            "master_port:{master_port}\r\nmaster_link_status:down\r\n"
            "master_link_down_since_seconds:10000000000000000\r\nslave_priority:99999999999999999999\r\n"
            "slave_repl_offset:-5\r\nmaster_replid:not-a-replication-id\r\n")

    def __init__(self, master_port):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.info = self.INFO.format(run_id="e" * 40, master_port=master_port).encode()
        self.info_requests = 0
        self.connections = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.listener.settimeout(0.2)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.listener.fileno() != -1:
            try:
                connection, _ = self.listener.accept()
            except (socket.timeout, OSError):
                continue
            self.connections.append(connection)
            threading.Thread(target=self.answer, args=(connection,), daemon=True).start()

    def answer(self, connection):
        buffered = b""
        try:
            for _ in range(100_000):
                chunk = connection.recv(65536)
                if not chunk:
                    return
                buffered += chunk
                while True:
                    command, buffered = self.next_command(buffered)
                    if command is None:
                        break
                    connection.sendall(self.reply(command))
        except OSError:
            return

    @staticmethod
    def next_command(data):
        """One multibulk command off the front of `data`, or None while it is incomplete."""
        if not data.startswith(b"*") or b"\r\n" not in data:
            return None, data
        header, rest = data.split(b"\r\n", 1)
        words = []
        for _ in range(int(header[1:])):
            if b"\r\n" not in rest:
                return None, data
            length_line, rest = rest.split(b"\r\n", 1)
            length = int(length_line[1:])
            if len(rest) < length + 2:
                return None, data
            words.append(rest[:length].decode(errors="replace"))
            rest = rest[length + 2:]
        return words, rest

    def reply(self, words):
        name = words[0].upper()
        if name == "PING":
            return b"+PONG\r\n"
        if name == "INFO":
            self.info_requests += 1
            return b"$%d\r\n%s\r\n" % (len(self.info), self.info)
        if name == "SUBSCRIBE":
            return b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(words[1]), words[1].encode())
        return b"+OK\r\n"

    def close(self):
        self.listener.close()
        for connection in self.connections:
            connection.close()


def test_a_replica_lying_in_info_neither_traps_nor_is_believed(monitored):
    client = sentinel(monitored)
    assert client.execute_command("SENTINEL", "DEBUG", "info-period", "100") in (b"OK", "OK", True)
    liar = LyingReplica(monitored["master"])
    announcement = fake_replica(monitored["master"], liar.port)
    try:
        name = f"127.0.0.1:{liar.port}"
        replicas = lambda: {entry["name"]: entry for entry in client.sentinel_slaves("mymaster")}
        assert wait_for(lambda: name in replicas()), replicas()
        assert wait_for(lambda: liar.info_requests >= 5), "Vigil stopped asking: " + monitored["processes"].report()
        assert alive(monitored)
        seen = replicas()[name]
        # The out-of-range fields were dropped: the defaults stand, not the lies.
        assert seen["slave-priority"] == 100 and seen["slave-repl-offset"] == 0, seen
        assert seen["master-link-down-time"] < 10**12, seen
        restart(monitored)
    finally:
        announcement.close()
        liar.close()


def test_names_and_values_with_line_breaks_never_reach_the_config_file_as_lines(monitored):
    client = sentinel(monitored)
    with pytest.raises(redis.ResponseError):
        client.execute_command("SENTINEL", "MONITOR", "evil\n" + INJECTED_LINE, "127.0.0.1", monitored["replica"], 1)
    with pytest.raises(redis.ResponseError):
        client.execute_command("SENTINEL", "CONFIG", "SET", "announce-ip", "10.0.0.1\n" + INJECTED_LINE)
    renamed = "a\r\n" + INJECTED_LINE
    try:
        client.execute_command("SENTINEL", "SET", "mymaster", "rename-command", "CONFIG", renamed)
        accepted = True
    except redis.ResponseError:
        accepted = False
    lines = config_lines(monitored)
    assert INJECTED_LINE not in lines, lines
    if accepted:
        # Kept, then it must be written quoted on the master's line and read back the same.
        assert any(line.startswith("sentinel rename-command mymaster CONFIG \"a\\r\\n") for line in lines), lines
    restart(monitored)
    assert INJECTED_LINE not in config_lines(monitored)
    assert sentinel(monitored).sentinel_master("mymaster")["num-slaves"] == 1
