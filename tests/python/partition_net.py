"""Network namespaces on a private bridge for the partition harness.

Every node gets its own namespace joined by a veth pair to one bridge in the root namespace; the
bridge holds 10.213.<k>.1, the client's address, so the client reaches every node. Cuts are iptables
rules inside the cut nodes' own namespaces (never in the root namespace), delay and loss are `tc
netem` on a node's own interface; deleting the namespaces removes both. Only addresses in
10.213.<k>.0/24, created here, are ever used.
"""
import os
import subprocess

PREFIX = "vgp"


def sh(*argv, check=True):
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {result.stderr.strip()}")
    return result


def available():
    """Why namespaces cannot be used here, or None when they can."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    for tool in ("ip", "iptables", "tc"):
        if sh("sh", "-c", f"command -v {tool}", check=False).returncode != 0:
            return f"{tool} is not installed (scripts/install-deps.sh installs it)"
    return None


class Lab:
    """One bridge and a namespace per node; `close()` removes all of it, also after a failure."""

    def __init__(self):
        self.k = None
        self.nodes = {}  # name -> (namespace, address)
        self.cuts = []
        for k in list(range(20 + os.getpid() % 200, 250)) + list(range(20, 250)):
            bridge = f"{PREFIX}br{k}"
            if sh("ip", "link", "add", bridge, "type", "bridge", check=False).returncode == 0:
                self.k = k
                break
        if self.k is None:
            raise RuntimeError("no free 10.213.x.0/24 subnet for a bridge")
        self.bridge = f"{PREFIX}br{self.k}"
        sh("ip", "addr", "add", f"10.213.{self.k}.1/24", "dev", self.bridge)
        sh("ip", "link", "set", self.bridge, "up")
        self.client_address = f"10.213.{self.k}.1"

    def add(self, name, host):
        namespace = f"{PREFIX}{self.k}-{name}"[:30]
        self.nodes[name] = (namespace, f"10.213.{self.k}.{host}")
        outside, inside = f"{PREFIX}{self.k}o{host}", f"{PREFIX}{self.k}i{host}"
        address = f"10.213.{self.k}.{host}"
        sh("ip", "netns", "add", namespace)
        sh("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
        sh("ip", "link", "set", inside, "netns", namespace)
        sh("ip", "link", "set", outside, "master", self.bridge)
        sh("ip", "link", "set", outside, "up")
        run = ["ip", "netns", "exec", namespace]
        sh(*run, "ip", "link", "set", "lo", "up")
        sh(*run, "ip", "link", "set", inside, "name", "eth0")
        sh(*run, "ip", "addr", "add", f"{address}/24", "dev", "eth0")
        sh(*run, "ip", "link", "set", "eth0", "up")
        return address

    def address(self, name):
        return self.nodes[name][1]

    def exec_prefix(self, name):
        return ["ip", "netns", "exec", self.nodes[name][0]]

    def _iptables(self, name, *rule):
        sh(*self.exec_prefix(name), "iptables", "-w", *rule)

    def cut(self, a, b, both_ways=True):
        """`a` stops hearing `b` (and `b` stops hearing `a` when both ways)."""
        self._iptables(a, "-A", "INPUT", "-s", self.address(b), "-j", "DROP")
        if both_ways:
            self._iptables(b, "-A", "INPUT", "-s", self.address(a), "-j", "DROP")
        self.cuts.append((a, b, both_ways))

    def split(self, side_a, side_b):
        for a in side_a:
            for b in side_b:
                self.cut(a, b)

    def netem(self, name, delay_ms, loss_percent):
        """Delay and loss on the node's interface; where the kernel has no netem qdisc (some
        containers), loss alone with iptables' random match, and the delay is skipped (returned False)."""
        spec = ["delay", f"{delay_ms}ms", "loss", f"{loss_percent}%"]
        if sh(*self.exec_prefix(name), "tc", "qdisc", "replace", "dev", "eth0", "root", "netem", *spec, check=False).returncode == 0:
            return True
        for chain in ("INPUT", "OUTPUT"):
            self._iptables(name, "-A", chain, "-m", "statistic", "--mode", "random", "--probability",
                           str(loss_percent / 100.0), "-j", "DROP")
        return False

    def heal(self):
        for name in self.nodes:
            sh(*self.exec_prefix(name), "iptables", "-w", "-F", "INPUT", check=False)
            sh(*self.exec_prefix(name), "iptables", "-w", "-F", "OUTPUT", check=False)
            sh(*self.exec_prefix(name), "tc", "qdisc", "del", "dev", "eth0", "root", check=False)
        self.cuts = []

    def close(self):
        # The outside ends first: deleting a namespace frees its veth pair only later, in the
        # background, and the next run may want the same names at once.
        for _, address in self.nodes.values():
            sh("ip", "link", "del", f"{PREFIX}{self.k}o{address.rsplit('.', 1)[1]}", check=False)
        for namespace, _ in self.nodes.values():
            sh("ip", "netns", "del", namespace, check=False)
        self.nodes = {}
        if self.k is not None:
            sh("ip", "link", "del", self.bridge, check=False)
            self.k = None
