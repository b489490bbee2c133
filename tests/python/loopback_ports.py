"""Ports on 127.0.0.1 for the processes the tests and benchmarks start.

Binding port 0 and closing the socket is not enough: the kernel may give the same port to two calls in
a row (two Vigils were once configured on one port, and the fixture waited in vain for them to find
each other), and it picks from the ephemeral range, where the source port of an outgoing connection
(a replica connecting to its master) may take the port before its server starts. So ports come from
outside the ephemeral range, are checked to be free, and are never handed out twice by one process.
"""
import random
import socket

_handed_out = set()


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as handle:
            low, high = (int(part) for part in handle.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


def _candidate_ranges():
    low, high = _ephemeral_range()
    ranges = []
    if low > 10000:
        ranges.append(range(10000, low))
    if high < 65535:
        ranges.append(range(max(10000, high + 1), 65536))
    return ranges


def _is_free(port):
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port():
    """A port not handed out before by this process and free on 127.0.0.1 when returned."""
    ranges = _candidate_ranges()
    total = sum(len(candidates) for candidates in ranges)
    if total == 0:
        raise RuntimeError("no free port on 127.0.0.1 outside the ephemeral range")
    for _ in range(4096):
        offset = random.randrange(total)
        for candidates in ranges:
            if offset < len(candidates):
                port = candidates[offset]
                break
            offset -= len(candidates)
        if port not in _handed_out and _is_free(port):
            _handed_out.add(port)
            return port
    raise RuntimeError("no free port on 127.0.0.1 outside the ephemeral range")
