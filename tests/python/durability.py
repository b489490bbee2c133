"""Helpers for the durability tests: a bare Vigil process on a config file, a RESP client that
records only what was acknowledged, and a config directory that can be broken as root."""
import os
import shutil
import signal
import socket
import subprocess
import time

from conftest import VIGIL, wait_for


def encode(*words):
    parts = [b"*%d\r\n" % len(words)]
    for word in words:
        data = str(word).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class Connection:
    """A minimal blocking RESP2 client: a reply counts only once it has been read in full."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def close(self):
        self.sock.close()

    def _line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exact(self, count):
        while len(self.buffer) < count + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count + 2:]
        return data

    def read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return Exception(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            return None if int(rest) < 0 else self._exact(int(rest)).decode()
        if kind == b"*":
            return None if int(rest) < 0 else [self.read() for _ in range(int(rest))]
        raise ValueError(f"unexpected reply {line!r}")

    def call(self, *words):
        self.sock.sendall(encode(*words))
        return self.read()


class VigilProcess:
    """One Vigil on `config`, started and stopped by PID."""

    def __init__(self, directory, config, port, name="vigil", wrapper=()):
        """`wrapper`: a command that runs Vigil as its child (strace, to slow the disk down)."""
        self.directory, self.config, self.port, self.name = directory, config, port, name
        self.wrapper = list(wrapper)
        self.child = None
        self.starts = 0

    def start(self, timeout=15.0):
        self.starts += 1
        log = open(os.path.join(self.directory, f"{self.name}.log"), "ab")
        self.child = subprocess.Popen(self.wrapper + [VIGIL, self.config], stdout=log, stderr=subprocess.STDOUT, cwd=self.directory)
        log.close()

        def answers():
            connection = Connection(self.port, timeout=1.0)
            try:
                return connection.call("PING") == "PONG"
            finally:
                connection.close()

        if not wait_for(answers, timeout=timeout, interval=0.005):
            raise AssertionError(f"Vigil did not start (start #{self.starts}, exit {self.child.poll()}): " + self.log_tail())

    def log_tail(self, size=2000):
        with open(os.path.join(self.directory, f"{self.name}.log"), "rb") as handle:
            return handle.read()[-size:].decode(errors="replace")

    def kill9(self):
        os.kill(self.child.pid, signal.SIGKILL)
        self.child.wait(timeout=10)

    def wrapped_pids(self):
        """The PIDs the wrapper started (Vigil itself), read from /proc."""
        path = f"/proc/{self.child.pid}/task/{self.child.pid}/children"
        try:
            with open(path) as handle:
                return [int(pid) for pid in handle.read().split()]
        except OSError:
            return []

    def stop(self):
        for pid in self.wrapped_pids():
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        if self.child and self.child.poll() is None:
            self.child.terminate()
            try:
                self.child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait(timeout=5)


def config_values(path):
    """The `sentinel` directives of a config file: {(directive, master or None): [words]}."""
    values = {}
    with open(path) as handle:
        for line in handle:
            words = line.split()
            if len(words) >= 3 and words[0] == "sentinel":
                if words[1] in ("current-epoch", "myid"):
                    values[(words[1], None)] = words[2:]
                else:
                    values[(words[1], words[2])] = words[3:]
    return values


class BrokenDisk:
    """Makes a directory refuse new files while the tests run as root, where chmod does not stop
    writes: `chattr +i` on the directory (the config is rewritten through a temp file beside it, so
    an immutable directory makes every rewrite fail), or, where the file system has no such flag, a
    small tmpfs mounted on the directory and filled up. `reason` says why neither works, if so."""

    def __init__(self, directory):
        self.directory = directory
        self.mounted = False
        self.filler = None
        self.method = None
        self.reason = None
        if shutil.which("chattr") and subprocess.run(["chattr", "+i", directory], capture_output=True).returncode == 0:
            subprocess.run(["chattr", "-i", directory], check=True)
            self.method = "chattr"
            return
        if os.geteuid() == 0 and subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", directory], capture_output=True).returncode == 0:
            self.mounted = True
            self.method = "full tmpfs"
            return
        self.reason = "cannot make a directory refuse writes: chattr +i failed and mounting a tmpfs failed (not root?)"

    def break_(self):
        if self.method == "chattr":
            subprocess.run(["chattr", "+i", self.directory], check=True)
        else:
            self.filler = os.path.join(self.directory, "filler")
            descriptor = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            try:
                for size in (65536, 1):
                    try:
                        while True:
                            os.write(descriptor, b"\0" * size)
                    except OSError:
                        pass
            finally:
                os.close(descriptor)

    def repair(self):
        if self.method == "chattr":
            subprocess.run(["chattr", "-i", self.directory], check=True)
        elif self.filler:
            os.unlink(self.filler)
            self.filler = None

    def close(self):
        self.repair()
        if self.mounted:
            subprocess.run(["umount", "-l", self.directory])
