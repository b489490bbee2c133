"""Durable means durable: what Vigil acknowledged survives `kill -9` at any moment of a config
rewrite, and a config write that fails leaves nothing behind (no vote granted later from memory,
no ACL user written later), while monitoring goes on.

The kill test's length: VIGIL_DURABILITY_KILLS (default 1000); its seed: VIGIL_DURABILITY_SEED
(printed, so that a failure replays). `make durability KILLS=10000` runs a longer one."""
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import Processes, free_port, wait_for
from durability import BrokenDisk, Connection, VigilProcess, config_values, encode

RUNID = "%040x"


def write_config(path, port, masters, extra=""):
    with open(path, "w") as handle:
        handle.write(f"port {port}\nbind 127.0.0.1\nsentinel myid {'b' * 40}\n")
        for name, master_port, quorum, down_after in masters:
            handle.write(f"sentinel monitor {name} 127.0.0.1 {master_port} {quorum}\n")
            handle.write(f"sentinel down-after-milliseconds {name} {down_after}\n")
        handle.write(extra)


def run_stream(port, master_port, state, stop):
    """Votes in increasing epochs (a different runid each) and SENTINEL SETs of increasing values,
    until the connection drops. Records only what was acknowledged."""
    try:
        connection = Connection(port, timeout=5.0)
    except OSError:
        return
    try:
        while not stop.is_set():
            epoch = state["next_epoch"]
            reply = connection.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", master_port, epoch, RUNID % epoch)
            if isinstance(reply, list):
                leader, leader_epoch = reply[1], reply[2]
                if leader == RUNID % epoch and leader_epoch == epoch:
                    state["acked_vote"] = epoch
                state["next_epoch"] = max(epoch, leader_epoch) + 1
            value = state["next_value"]
            state["next_value"] += 1
            if connection.call("SENTINEL", "SET", "durable", "failover-timeout", value) == "OK":
                state["acked_value"] = value
            state["acks"] += 1
    except (OSError, ConnectionError):
        pass
    finally:
        connection.close()


def check_survivors(config, state, kill):
    """The file on disk after a kill: it holds every acknowledged vote, epoch and value."""
    values = config_values(config)
    where = f"after kill #{kill}"
    # Before the first rewrite the file is the one the test wrote, without these lines.
    leader_epoch = int(values.get(("leader-epoch", "durable"), ["0"])[0])
    current_epoch = int(values.get(("current-epoch", None), ["0"])[0])
    timeout = int(values.get(("failover-timeout", "durable"), ["180000"])[0])
    assert leader_epoch >= state["acked_vote"], f"{where}: acknowledged vote in epoch {state['acked_vote']} lost (file has {leader_epoch})"
    assert current_epoch >= state["acked_vote"], f"{where}: current epoch {current_epoch} below acknowledged {state['acked_vote']}"
    assert timeout >= state["acked_value"], f"{where}: acknowledged failover-timeout {state['acked_value']} lost (file has {timeout})"
    # An epoch the file holds may have been written but not acknowledged: ask in a later one next time.
    state["next_epoch"] = max(state["next_epoch"], leader_epoch + 1, current_epoch + 1)
    state["next_value"] = max(state["next_value"], timeout + 1)


def test_acknowledged_votes_and_sets_survive_kill_9_during_rewrites():
    kills = int(os.environ.get("VIGIL_DURABILITY_KILLS", "1000"))
    seed = int(os.environ.get("VIGIL_DURABILITY_SEED", str(random.randrange(1 << 32))))
    print(f"durability seed {seed}, {kills} kills (VIGIL_DURABILITY_SEED={seed} replays)")
    generator = random.Random(seed)
    directory = tempfile.mkdtemp(prefix="vigil-kill9-")
    port, master_port = free_port(), free_port()
    config = os.path.join(directory, "sentinel.conf")
    # Nothing listens on the master's port: the votes need only its address, and quorum 2 with no
    # peers keeps this Vigil from starting failovers of its own.
    write_config(config, port, [("durable", master_port, 2, 60000)])
    vigil = VigilProcess(directory, config, port)
    state = {"next_epoch": 1, "acked_vote": 0, "next_value": 180001, "acked_value": 0, "acks": 0}
    started = time.monotonic()
    try:
        for kill in range(1, kills + 1):
            vigil.start()
            stop = threading.Event()
            stream = threading.Thread(target=run_stream, args=(port, master_port, state, stop))
            stream.start()
            # A random moment: after a random number (0-3) of acknowledged vote+SET pairs, then a
            # random part of a pair (about 40 ms here: two rewrites, each fsynced twice).
            target = state["acks"] + generator.randrange(4)
            wait_for(lambda: state["acks"] >= target or not stream.is_alive(), timeout=10, interval=0.001)
            time.sleep(generator.uniform(0.0, 0.04))
            vigil.kill9()
            stop.set()
            stream.join(timeout=10)
            check_survivors(config, state, kill)
        # The last file loads, and the running Vigil answers with the acknowledged state.
        vigil.start()
        assert not [name for name in os.listdir(directory) if ".tmp-" in name], "temp files of killed rewrites are removed at start-up"
        connection = Connection(port)
        reply = connection.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", master_port, state["acked_vote"], "c" * 40)
        # The file keeps the epoch of the last vote (leader-epoch), not whom it went to (as Redis's):
        # after a restart the vote shows as "*", and no second vote is given in that epoch.
        assert reply[2] >= state["acked_vote"] and reply[1] in ("*", RUNID % reply[2]), reply
        fields = connection.call("SENTINEL", "MASTER", "durable")
        settings = dict(zip(fields[::2], fields[1::2]))
        assert int(settings["failover-timeout"]) >= state["acked_value"]
        connection.close()
    finally:
        vigil.stop()
    elapsed = time.monotonic() - started
    print(f"{kills} kills in {elapsed:.1f} s; {state['acks']} vote+set pairs acknowledged, "
          f"last vote epoch {state['acked_vote']}, last value {state['acked_value']}")
    assert state["acks"] > kills, "too few acknowledged commands for the kills to have hit rewrites"


@pytest.fixture
def broken_disk_deployment():
    """One Vigil watching two redis-servers (quorum 1; down-after 300 ms for the one the test kills,
    2 s for the other, so that a busy machine does not fake an SDOWN), its config in a directory the
    test can break and repair."""
    parent = tempfile.mkdtemp(prefix="vigil-disk-")
    directory = os.path.join(parent, "conf")
    os.mkdir(directory)
    disk = BrokenDisk(directory)
    if disk.reason:
        pytest.skip(disk.reason)
    processes = Processes(parent)
    ports = {"doomed": free_port(), "steady": free_port()}
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", parent]
    servers = {name: processes.start(name, ["redis-server", "--port", str(port)] + common) for name, port in ports.items()}
    port = free_port()
    config = os.path.join(directory, "sentinel.conf")
    write_config(config, port, [("doomed", ports["doomed"], 1, 300), ("steady", ports["steady"], 1, 2000)])
    vigil = VigilProcess(parent, config, port)
    try:
        vigil.start()
        connection = Connection(port)

        def flags(name):
            fields = connection.call("SENTINEL", "MASTER", name)
            return dict(zip(fields[::2], fields[1::2]))

        assert wait_for(lambda: all(flags(name)["role-reported"] == "master" for name in ports)), vigil.log_tail()
        yield {"disk": disk, "connection": connection, "flags": flags, "ports": ports, "servers": servers,
               "vigil": vigil, "config": config}
        connection.close()
    finally:
        disk.close()
        vigil.stop()
        processes.stop_all()


def test_vote_refused_on_a_failed_save_stays_refused_until_the_disk_works(broken_disk_deployment):
    d = broken_disk_deployment
    connection, steady = d["connection"], d["ports"]["steady"]
    d["disk"].break_()
    for attempt in range(2):
        reply = connection.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", steady, 7, "e" * 40)
        assert isinstance(reply, Exception) and str(reply) == "ERR Failed to save config file. Check server logs.", (attempt, reply)
    assert "not able to save the new configuration" in d["vigil"].log_tail(20000)
    d["disk"].repair()
    reply = connection.call("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", steady, 7, "e" * 40)
    assert reply == [0, "e" * 40, 7]
    assert config_values(d["config"])[("leader-epoch", "steady")] == ["7"]


def test_acl_user_refused_on_a_failed_save_is_never_written(broken_disk_deployment):
    d = broken_disk_deployment
    connection = d["connection"]
    d["disk"].break_()
    reply = connection.call("ACL", "SETUSER", "eve", "on", ">pw", "+@all")
    assert isinstance(reply, Exception) and "nothing changed" in str(reply), reply
    assert connection.call("ACL", "USERS") == ["default"]
    d["disk"].repair()
    assert connection.call("SENTINEL", "FLUSHCONFIG") == "OK"
    with open(d["config"]) as handle:
        assert "eve" not in handle.read()
    other = Connection(d["vigil"].port)
    assert isinstance(other.call("AUTH", "eve", "pw"), Exception)
    other.close()


def test_monitoring_goes_on_while_a_failover_cannot_be_saved(broken_disk_deployment):
    d = broken_disk_deployment
    flags, connection = d["flags"], d["connection"]
    d["disk"].break_()
    d["servers"]["doomed"].send_signal(signal.SIGKILL)
    # The doomed master goes down; starting its failover needs a new epoch on disk, which fails.
    assert wait_for(lambda: "o_down" in flags("doomed")["flags"], timeout=10)
    # Three seconds, longer than the steady master's down-after: had its pings stopped, it would show.
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        doomed, steady = flags("doomed"), flags("steady")
        assert "failover_in_progress" not in doomed["flags"], doomed
        assert steady["flags"] == "master", steady
        assert int(steady["last-ok-ping-reply"]) < 1500, steady
        time.sleep(0.05)
    assert int(config_values(d["config"]).get(("current-epoch", None), ["0"])[0]) == 0
    d["disk"].repair()
    # Once the disk works the failover starts (and ends for want of a replica); the steady master
    # was watched all along, so no SDOWN shows up for it.
    assert wait_for(lambda: int(config_values(d["config"])[("current-epoch", None)][0]) >= 1, timeout=10), d["vigil"].log_tail()
    time.sleep(0.5)
    log = d["vigil"].log_tail(50000)
    assert "+try-failover master doomed" in log
    assert "+sdown master steady" not in log
    assert flags("steady")["flags"] == "master"


def test_a_slow_disk_holds_back_the_vote_but_no_other_client():
    """strace delays every fsync of Vigil by 2 s: the vote waits for its write (two fsyncs), while
    PINGs from another client are answered meanwhile, as the writes run off the event loop."""
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed (scripts/install-deps.sh installs it)")
    directory = tempfile.mkdtemp(prefix="vigil-slowdisk-")
    processes = Processes(directory)
    master_port, port = free_port(), free_port()
    processes.start("master", ["redis-server", "--port", str(master_port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", directory])
    config = os.path.join(directory, "sentinel.conf")
    write_config(config, port, [("mymaster", master_port, 1, 5000)])
    delay_microseconds = 2_000_000
    slow_disk = ["strace", "-f", "-qq", "-o", os.path.join(directory, "strace.log"), "-e", "trace=fsync",
                 "-e", f"inject=fsync:delay_enter={delay_microseconds}"]
    vigil = VigilProcess(directory, config, port, wrapper=slow_disk)
    try:
        vigil.start(timeout=60)
        voter, pinger = Connection(port, timeout=30), Connection(port, timeout=30)
        latencies = []
        started = time.monotonic()
        voter.sock.sendall(encode("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", str(master_port), "9", "f" * 40))
        vote = {}
        reader = threading.Thread(target=lambda: vote.update(reply=voter.read(), at=time.monotonic() - started))
        reader.start()
        while reader.is_alive() and time.monotonic() - started < 30:
            sent = time.monotonic()
            assert pinger.call("PING") == "PONG"
            latencies.append(time.monotonic() - sent)
            time.sleep(0.05)
        reader.join(timeout=30)
        assert vote.get("reply") == [0, "f" * 40, 9], vote
        assert vote["at"] >= delay_microseconds / 1e6, f"the vote did not wait for its fsync: {vote}"
        assert max(latencies) < 1.0, f"a PING waited for the disk: {max(latencies):.2f} s of {len(latencies)}"
        assert len(latencies) >= 10, latencies
        assert config_values(config)[("leader-epoch", "mymaster")] == ["9"]
        voter.close()
        pinger.close()
    finally:
        vigil.stop()
        processes.stop_all()
