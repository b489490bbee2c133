"""Hostile clients against the real Vigil binary: a request sent slowly, CR/LF echoed into replies,
clients that never read, idle clients, too many clients, a low open files limit. Each Vigil runs on a
free loopback port and is stopped by PID; where Redis's own behaviour is the reference, the same
config is given to redis-sentinel."""
import os
import resource
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import VIGIL, Processes, free_port, wait_for

PING_REPLY = b"+PONG\r\n"


@pytest.fixture
def vigil_with():
    """Starts Vigil with extra config lines; returns (port, process, log path). Stops it afterwards."""
    directory = tempfile.mkdtemp(prefix="vigil-wire-")
    processes = Processes(directory)

    def start(extra="", nofile=None):
        port = free_port()
        config = os.path.join(directory, f"sentinel-{port}.conf")
        with open(config, "w") as handle:
            handle.write(f"port {port}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 {free_port()} 1\n{extra}")

        def limit_files():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        log = os.path.join(directory, f"vigil-{port}.log")
        handle = open(log, "wb")
        child = subprocess.Popen([VIGIL, config], stdout=handle, stderr=subprocess.STDOUT, cwd=directory, preexec_fn=limit_files)
        child.name = f"vigil-{port}"
        processes.children.append(child)
        return port, child, log, config

    try:
        yield start
    finally:
        processes.stop_all()


def started(port, child, log):
    assert wait_for(lambda: ping(port)), f"vigil did not start (exit {child.poll()}): {read(log)[-600:]}"


def connect(port, receive_buffer=None):
    sock = socket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    return sock


def subscribe(sock, channel):
    sock.sendall(command("SUBSCRIBE", channel))
    expected = b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(channel), channel.encode())
    assert receive_exactly(sock, len(expected)) == expected


def bulk_reply_size(payload):
    return len(b"$%d\r\n" % payload) + payload + 2


def answering_client(port):
    """A connection that has had its PING answered: retried while the daemon still counts closed ones."""
    for _ in range(100):
        sock = connect(port)
        sock.sendall(b"PING\r\n")
        if receive_exactly(sock, len(PING_REPLY)) == PING_REPLY:
            return sock
        sock.close()
        time.sleep(0.1)
    raise AssertionError("no connection was answered")


def ping(port):
    with connect(port) as sock:
        sock.sendall(b"PING\r\n")
        return receive_exactly(sock, len(PING_REPLY)) == PING_REPLY


def receive_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


def receive_line(sock):
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def command(*words):
    out = b"*%d\r\n" % len(words)
    for word in words:
        word = word if isinstance(word, bytes) else word.encode()
        out += b"$%d\r\n%s\r\n" % (len(word), word)
    return out


def read(path):
    with open(path, "rb") as handle:
        return handle.read().decode(errors="replace")


def client_fields(port, name):
    """The CLIENT LIST fields of the client called `name`."""
    with connect(port) as sock:
        sock.sendall(command("CLIENT", "LIST"))
        header = receive_line(sock)
        body = receive_exactly(sock, int(header[1:]) + 2).decode()
    for line in body.splitlines():
        fields = dict(part.split("=", 1) for part in line.split(" ") if "=" in part)
        if fields.get("name") == name:
            return fields
    return None


def is_closed(sock):
    """True once the server has closed `sock`: reading gives EOF or a reset (pending data is skipped)."""
    sock.settimeout(0.2)
    try:
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return True
    except socket.timeout:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True


def rss_kilobytes(pid):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_slowly_sent_huge_request_is_parsed_as_it_arrives_and_others_are_served(vigil_with):
    port, child, log, _ = vigil_with()
    started(port, child, log)
    slow = connect(port)
    slow.sendall(command("CLIENT", "SETNAME", "slow"))
    assert receive_line(slow) == b"+OK\r\n"
    arguments = 200_000
    slow.sendall(b"*%d\r\n$4\r\nPING\r\n" % (arguments + 1) + b"$1\r\nx\r\n" * (arguments - 1))
    # The daemon keeps what it has parsed, not the bytes: the arguments so far, a short query buffer.
    assert wait_for(lambda: client_fields(port, "slow")["argv-mem"] == str(4 + arguments - 1), timeout=30), \
        client_fields(port, "slow")
    assert int(client_fields(port, "slow")["qbuf"]) < 64
    other = connect(port)
    for byte in b"$1\r\ny\r\n":
        slow.sendall(bytes([byte]))
        other.sendall(b"PING\r\n")
        assert receive_exactly(other, len(PING_REPLY)) == PING_REPLY
        time.sleep(0.02)
    assert receive_line(slow) == b"-ERR wrong number of arguments for 'ping' command\r\n"
    slow.sendall(b"PING\r\n")
    assert receive_exactly(slow, len(PING_REPLY)) == PING_REPLY
    assert client_fields(port, "slow")["argv-mem"] == "0"


def test_cr_and_lf_echoed_into_an_error_do_not_split_the_reply_stream(vigil_with):
    port, child, log, _ = vigil_with()
    started(port, child, log)
    with connect(port) as sock:
        sock.sendall(command("SENTINEL", "SET", "mymaster", "quorum", "x\r\n+OK") + b"PING\r\n")
        expected = b"-ERR Invalid argument 'x  +OK' for SENTINEL SET 'quorum'\r\n" + PING_REPLY
        assert receive_exactly(sock, len(expected)) == expected
        # Inline requests can carry them too, through "\r\n" escapes.
        sock.sendall(b'FOO "a\\r\\nb"\r\nPING\r\n')
        expected = b"-ERR unknown command 'FOO', with args beginning with: 'a  b' \r\n" + PING_REPLY
        assert receive_exactly(sock, len(expected)) == expected


def send_until_closed(sock, request, attempts):
    """Sends `request` up to `attempts` times without reading; how many went before the server closed."""
    for sent in range(attempts):
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            return sent
    return attempts


def test_a_subscriber_that_never_reads_is_cut_off_at_the_pubsub_hard_limit(vigil_with):
    port, child, log, _ = vigil_with()
    started(port, child, log)
    before = rss_kilobytes(child.pid)
    sock = connect(port, receive_buffer=4096)
    subscribe(sock, "+switch-master")
    # PING is allowed to subscribers; each reply carries the megabyte back. Redis's default pubsub
    # limit is 32mb hard: well before 128 of them the daemon must give up on this client.
    request = command("PING", b"m" * (1 << 20))
    sent = send_until_closed(sock, request, 128)
    assert sent < 128 or wait_for(lambda: is_closed(sock), timeout=20), "the subscriber was never disconnected"
    assert wait_for(lambda: "scheduled to be closed ASAP for overcoming of output buffer limits." in read(log), timeout=10)
    assert "flags=P" in [line for line in read(log).splitlines() if "overcoming" in line][0]
    growth = rss_kilobytes(child.pid) - before
    assert growth < 96 * 1024, f"RSS grew by {growth} kB"
    assert ping(port)


def test_the_normal_class_limit_and_the_soft_limit_over_time(vigil_with):
    port, child, log, _ = vigil_with("client-output-buffer-limit normal 2mb 0 0 pubsub 0 1mb 1\n")
    started(port, child, log)
    # A client that reads its replies is never cut off, however large they are.
    with connect(port) as reader:
        for _ in range(8):
            reader.sendall(command("PING", b"r" * (1 << 20)))
            assert len(receive_exactly(reader, bulk_reply_size(1 << 20))) == bulk_reply_size(1 << 20)
    # A normal client that pipelines without reading passes the 2mb hard limit.
    writer = connect(port, receive_buffer=4096)
    request = command("PING", b"n" * (256 << 10))
    sent = send_until_closed(writer, request, 256)
    assert sent < 256 or wait_for(lambda: is_closed(writer), timeout=20)
    assert wait_for(lambda: "flags=N" in read(log) and "overcoming of output buffer limits" in read(log), timeout=10)
    # A subscriber over the 1mb soft limit is cut off only once that has lasted more than a second.
    subscriber = connect(port, receive_buffer=4096)
    subscribe(subscriber, "+sdown")
    started_at = time.monotonic()
    closed = False
    while not closed and time.monotonic() - started_at < 30:
        closed = send_until_closed(subscriber, request, 1) == 0
        time.sleep(0.1)
    assert closed or wait_for(lambda: is_closed(subscriber), timeout=10)
    assert time.monotonic() - started_at > 1.0
    assert wait_for(lambda: "flags=P" in read(log), timeout=10)


def test_timeout_closes_an_idle_client_but_not_a_subscriber_or_a_busy_client(vigil_with):
    port, child, log, _ = vigil_with("timeout 1\nloglevel verbose\n")
    started(port, child, log)
    idle = connect(port)
    idle.sendall(b"PING\r\n")
    assert receive_exactly(idle, len(PING_REPLY)) == PING_REPLY
    subscriber = connect(port)
    subscribe(subscriber, "+sdown")
    busy = connect(port)
    deadline = time.monotonic() + 15
    while not is_closed(idle) and time.monotonic() < deadline:
        busy.sendall(b"PING\r\n")
        assert receive_exactly(busy, len(PING_REPLY)) == PING_REPLY
        time.sleep(0.3)
    assert is_closed(idle), "the idle client was not closed"
    assert "Closing idle client" in read(log)
    # Two more timeouts' worth of quiet: the subscriber stays; the busy client too, as it keeps talking.
    for _ in range(10):
        time.sleep(0.3)
        busy.sendall(b"PING\r\n")
        assert receive_exactly(busy, len(PING_REPLY)) == PING_REPLY
    assert not is_closed(subscriber)
    subscriber.settimeout(10)
    subscriber.sendall(b"PING\r\n")
    assert receive_line(subscriber) == b"*2\r\n"


def test_maxclients_refuses_the_next_client_with_redis_error(vigil_with):
    port, child, log, _ = vigil_with("maxclients 3\n")
    started(port, child, log)
    clients = [answering_client(port) for _ in range(3)]
    with connect(port) as refused:
        assert receive_line(refused) == b"-ERR max number of clients reached\r\n"
        assert is_closed(refused)
    clients.pop().close()
    with answering_client(port) as sock:
        sock.sendall(b"INFO clients\r\n")
        header = receive_line(sock)
        info = receive_exactly(sock, int(header[1:]) + 2).decode()
    assert "maxclients:3\r\n" in info


def hard_limit_can_be_raised():
    """Whether a process here may raise its own hard open files limit (CAP_SYS_RESOURCE): then the
    system's refusal cannot be staged."""
    probe = ("import resource\nresource.setrlimit(resource.RLIMIT_NOFILE, (100, 100))\n"
             "try:\n    resource.setrlimit(resource.RLIMIT_NOFILE, (2000, 2000))\n    print('raised')\n"
             "except (ValueError, OSError):\n    print('refused')\n")
    return subprocess.run(["python3", "-c", probe], capture_output=True, text=True, timeout=30).stdout.strip() == "raised"


def test_maxclients_is_lowered_to_fit_the_open_files_limit_with_redis_warnings(vigil_with):
    if hard_limit_can_be_raised():
        pytest.skip("this user may raise its hard open files limit, so the refusal cannot be staged")
    port, child, log, _ = vigil_with("maxclients 1000\n", nofile=100)
    started(port, child, log)
    text = read(log)
    assert "You requested maxclients of 1000 requiring at least 1032 max file descriptors." in text
    assert "Server can't set maximum open files to 1032 because of OS error: Operation not permitted." in text
    assert ("Current maximum open files is 100. maxclients has been reduced to 68 to compensate for low ulimit. "
            "If you need higher maxclients increase 'ulimit -n'.") in text
    with connect(port) as sock:
        sock.sendall(b"INFO clients\r\n")
        header = receive_line(sock)
        assert "maxclients:68\r\n" in receive_exactly(sock, int(header[1:]) + 2).decode()


def test_an_open_files_limit_below_the_reserve_refuses_to_start(vigil_with):
    if hard_limit_can_be_raised():
        pytest.skip("this user may raise its hard open files limit, so the refusal cannot be staged")
    port, child, log, _ = vigil_with("", nofile=32)
    assert child.wait(timeout=30) == 1
    assert ("Your current 'ulimit -n' of 32 is not enough for the server to start. "
            "Please increase your open file limit to at least 10032. Exiting.") in read(log)


def fatal_report(argv, config_text, directory):
    path = os.path.join(directory, "bad.conf")
    with open(path, "w") as handle:
        handle.write(config_text)
    result = subprocess.run(argv + [path], capture_output=True, text=True, timeout=30, cwd=directory)
    text = result.stdout + result.stderr
    return result.returncode, text[text.index("*** FATAL"):] if "*** FATAL" in text else text


@pytest.mark.parametrize("line", [
    "maxclients 0", "maxclients 10k", "maxclients 1 2", "maxclients 4294967296", "timeout -1", "timeout 1.5",
    "client-output-buffer-limit pubsub 1mb 0", "client-output-buffer-limit master 0 0 0",
    "client-output-buffer-limit pubsub 1xb 0 0", "client-output-buffer-limit pubsub 1 0 -1",
])
def test_bad_client_directives_are_refused_as_redis_sentinel_refuses_them(line):
    if not shutil.which("redis-sentinel"):
        pytest.skip("redis-sentinel is not installed")
    directory = tempfile.mkdtemp(prefix="vigil-wire-config-")
    config = f"port {free_port()}\nbind 127.0.0.1\n{line}\n"
    assert fatal_report(["redis-sentinel"], config, directory) == fatal_report([VIGIL], config, directory)


def test_client_directives_survive_the_rewrite_as_redis_writes_them(vigil_with):
    extra = ("client-output-buffer-limit pubsub 32mb 8mb 60\nmaxclients 100\ntimeout 0\n"
             "client-output-buffer-limit PUBSUB 1MB 2Kb 3\nclient-output-buffer-limit normal 1000 0 0 replica 256mb 64mb 60\n")
    port, child, log, config = vigil_with(extra)
    started(port, child, log)
    assert wait_for(lambda: "sentinel myid" in read(config))
    lines = read(config).splitlines()
    assert lines[3:8] == [
        "client-output-buffer-limit normal 1000 0 0", "maxclients 100", "timeout 0",
        "client-output-buffer-limit replica 256mb 64mb 60", "client-output-buffer-limit pubsub 1mb 2kb 3",
    ], lines
