"""`vigil drill` and `vigil demo` against real redis-server, Vigil and redis-sentinel processes: the
drill's phases and RPO are checked against what the nodes really hold, its HTML report is opened in
headless Chromium and the screenshot is checked for the chart, and the demo cleans up after itself."""
import json
import os
import re
import signal
import subprocess
import tempfile
import time

import redis

from conftest import VIGIL, Processes, free_port, wait_for

# The chart's colours (Sources/SentinelServer/Drill/DrillReport.swift).
SDOWN = (0x6B, 0x46, 0xC1)
SWITCH = (0x31, 0x97, 0x95)
FIRST_WRITE = (0x38, 0xA1, 0x69)
ACKNOWLEDGED_OLD = (0x2F, 0x85, 0x5A)
ACKNOWLEDGED_NEW = (0x2B, 0x6C, 0xB0)
FAILED = (0xC5, 0x30, 0x30)
LOST = (0xB7, 0x79, 0x1F)


def run_drill(sentinel_ports, fault, report_dir, *extra, timeout=180):
    argv = [VIGIL, "drill", "mymaster", "--sentinels", ",".join(f"127.0.0.1:{p}" for p in sentinel_ports),
            "--fault", fault, "--report-dir", str(report_dir)] + list(extra)
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def load_results(report_dir):
    [path] = [os.path.join(report_dir, name) for name in os.listdir(report_dir) if name.endswith(".json")]
    with open(path) as handle:
        return json.load(handle)


def numbers(ranges):
    return [n for low, high in ranges for n in range(low, high + 1)]


def missing_on(port, prefix, acknowledged):
    """The acknowledged numbers whose keys the node at `port` does not hold, read independently."""
    client = redis.Redis(port=port)
    missing = []
    for start in range(0, len(acknowledged), 500):
        batch = acknowledged[start:start + 500]
        values = client.mget([f"{prefix}{n}" for n in batch])
        missing += [n for n, value in zip(batch, values) if value is None]
    return missing


def screenshot_colours(html_path, png_path):
    """Opens the report in headless Chromium and counts the pixels of each colour on the screenshot."""
    from PIL import Image

    chromium = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--screenshot={png_path}",
         "--window-size=1100,900", "file://" + os.path.abspath(html_path)],
        capture_output=True, text=True, timeout=120)
    assert os.path.exists(png_path), f"chromium made no screenshot: {chromium.stderr[-2000:]}"
    counts = {}
    image = Image.open(png_path).convert("RGB")
    for pixel in (image.get_flattened_data() if hasattr(image, "get_flattened_data") else image.getdata()):
        counts[pixel] = counts.get(pixel, 0) + 1
    return counts


def replicas_online(port, count=2):
    """`count` replicas are online and streaming. After a diskless full sync Redis 7.0 lists a
    replica as online but sends it nothing until the replica's first REPLCONF ACK (up to a second
    later), so a master that dies in that window loses its writes: wait for an acknowledged offset."""
    master = redis.Redis(port=port)
    info = master.info("replication")
    online = sum(1 for key, value in info.items() if key.startswith("slave") and isinstance(value, dict)
                 and value.get("state") == "online" and int(value.get("offset", 0)) > 0) == count
    # On a busy machine a replica can still be listed with an old acknowledged offset while nothing
    # reaches it: a probe write that every replica acknowledges shows the stream really flows.
    if not online:
        return False
    master.set("vigil-test:replication-probe", "1", ex=60)
    return master.execute_command("WAIT", count, 500) >= count


def test_coordinated_drills_measure_the_switch_and_lose_nothing(failover_deployment, tmp_path):
    deployment = failover_deployment
    assert wait_for(lambda: replicas_online(deployment["master"]), timeout=30)
    result = run_drill(deployment["sentinels"], "coordinated", tmp_path, "--repeat", "2", "--warmup", "1000",
                       "--settle", "500", "--pause", "500")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 coordinated drills: median and p90" in result.stdout
    drills = load_results(tmp_path)
    assert len(drills) == 2
    final_master = int(redis.Redis(port=deployment["sentinels"][0], decode_responses=True)
                       .execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")[1])
    for drill in drills:
        timeline = drill["timeline"]
        marks = {mark["milestone"]: mark.get("atMilliseconds") for mark in timeline["marks"]}
        assert timeline["newMaster"] != timeline["oldMaster"]
        assert marks["switch-master"] is not None and marks["first-write"] is not None
        assert marks["sdown"] is None and marks["odown"] is None
        assert drill["lostWrites"] == 0
        acknowledged = numbers(drill["acknowledgedNumbers"])
        assert len(acknowledged) == timeline["acknowledged"] > 100
        assert missing_on(final_master, drill["keyPrefix"], acknowledged) == []
    html = [name for name in os.listdir(tmp_path) if name.endswith(".html")]
    assert len(html) == 1


def test_drill_counts_writes_lost_on_purpose_and_its_chart_renders(failover_deployment, tmp_path):
    """The replicas are stopped and cut off from the master, so every write the master acknowledges
    exists only there; the master is then killed. The drill must report exactly those writes lost."""
    deployment = failover_deployment
    replicas = [p for p in deployment["processes"].children if p is not deployment["master_process"]
                and "replica" in " ".join(p.args)]
    assert len(replicas) == 2
    for replica in replicas:
        os.kill(replica.pid, signal.SIGSTOP)
    try:
        redis.Redis(port=deployment["master"]).execute_command("CLIENT", "KILL", "TYPE", "replica")
        argv = [VIGIL, "drill", "mymaster", "--sentinels", ",".join(f"127.0.0.1:{p}" for p in deployment["sentinels"]),
                "--fault", "crash", "--warmup", "800", "--report-dir", str(tmp_path)]
        drill = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # Resume the replicas as soon as the master is gone, so one of them can be promoted.
        assert wait_for(lambda: deployment["master_process"].poll() is not None, timeout=30), "the drill did not kill the master"
    finally:
        for replica in replicas:
            os.kill(replica.pid, signal.SIGCONT)
    output, _ = drill.communicate(timeout=120)
    assert drill.returncode == 0, output
    [result] = load_results(tmp_path)
    timeline = result["timeline"]
    new_master = int(timeline["newMaster"].get("port"))
    acknowledged = numbers(result["acknowledgedNumbers"])
    independently_missing = missing_on(new_master, result["keyPrefix"], acknowledged)
    assert result["lostWrites"] > 50, output
    assert result["lostWrites"] == len(independently_missing)
    assert numbers(result["lostNumbers"]) == independently_missing
    assert re.search(r"RPO \(acknowledged, then lost\)\s+%d writes" % result["lostWrites"], output)

    [html] = [os.path.join(tmp_path, name) for name in os.listdir(tmp_path) if name.endswith(".html")]
    counts = screenshot_colours(html, os.path.join(tmp_path, "report.png"))
    for name, colour in [("SDOWN phase", SDOWN), ("switch phase", SWITCH), ("writes before the crash", ACKNOWLEDGED_OLD),
                         ("writes on the new master", ACKNOWLEDGED_NEW), ("failed writes", FAILED), ("lost writes", LOST)]:
        assert counts.get(colour, 0) >= 40, f"the screenshot shows no {name} ({counts.get(colour, 0)} pixels)"


def test_drill_runs_against_stock_redis_sentinel(tmp_path):
    """The same drill against three redis-sentinel 7.0 processes (plain SENTINEL FAILOVER)."""
    directory = tempfile.mkdtemp(prefix="vigil-drill-rs-")
    processes = Processes(directory)
    master = free_port()
    ports = [free_port(), free_port()]
    sentinels = [free_port() for _ in range(3)]
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory]
    try:
        processes.start("master", ["redis-server", "--port", str(master)] + common)
        for port in ports:
            processes.start(f"replica-{port}", ["redis-server", "--port", str(port), "--replicaof", "127.0.0.1", str(master)] + common)
        for port in sentinels:
            config = os.path.join(directory, f"sentinel-{port}.conf")
            with open(config, "w") as handle:
                handle.write(f"port {port}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 {master} 2\n"
                             "sentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 10000\n")
            processes.start(f"sentinel-{port}", ["redis-sentinel", config])

        def settled(port):
            state = redis.Redis(port=port).sentinel_master("mymaster")
            return state["num-slaves"] == 2 and state["num-other-sentinels"] == 2

        assert wait_for(lambda: all(settled(p) for p in sentinels) and replicas_online(master), timeout=30)
        result = run_drill(sentinels, "switchover", tmp_path, "--warmup", "1000", "--timeout", "60000")
        assert result.returncode == 0, result.stdout + result.stderr
        [drill] = load_results(tmp_path)
        timeline = drill["timeline"]
        assert timeline["newMaster"]["port"] in ports
        marks = {mark["milestone"]: mark.get("atMilliseconds") for mark in timeline["marks"]}
        assert marks["elected-leader"] is not None and marks["switch-master"] is not None and marks["first-write"] is not None
        missing = missing_on(timeline["newMaster"]["port"], drill["keyPrefix"], numbers(drill["acknowledgedNumbers"]))
        assert drill["lostWrites"] == len(missing)
    finally:
        processes.stop_all()


def test_demo_runs_two_drills_and_stops_everything_it_started(tmp_path):
    result = subprocess.run([VIGIL, "demo", "--report-dir", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "crash drill of mymaster" in result.stdout and "coordinated drill of mymaster" in result.stdout
    assert len([n for n in os.listdir(tmp_path) if n.endswith(".html")]) == 2
    assert_cleaned_up(result.stdout)


def test_demo_interrupted_stops_everything_it_started(tmp_path):
    demo = subprocess.Popen([VIGIL, "demo", "--report-dir", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = demo.stdout.readline()
        lines.append(line)
        if "0 ms: kill -9" in line or not line:
            break
    demo.send_signal(signal.SIGINT)
    rest, _ = demo.communicate(timeout=60)
    output = "".join(lines) + rest
    assert demo.returncode == 130, output
    assert_cleaned_up(output)


def assert_cleaned_up(output):
    started = re.search(r"started in (\S+): .*; pids ([0-9, ]+)", output)
    assert started, output
    directory, pids = started.group(1), [int(p) for p in started.group(2).split(", ")]
    assert len(pids) == 6
    stopping = re.search(r"stopping the demo's processes \(([0-9, ]+)\)", output)
    if stopping:
        pids += [int(p) for p in stopping.group(1).split(", ")]
    assert not os.path.exists(directory)

    def gone(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[1].startswith("Z")

    assert wait_for(lambda: all(gone(pid) for pid in pids), timeout=10), "a demo process is still running"


def test_hang_drill_resumes_the_master_which_rejoins_as_a_replica(failover_deployment, tmp_path):
    deployment = failover_deployment
    assert wait_for(lambda: replicas_online(deployment["master"]), timeout=30)
    result = run_drill(deployment["sentinels"], "hang", tmp_path, "--warmup", "500", "--reader")
    assert result.returncode == 0, result.stdout + result.stderr
    [drill] = load_results(tmp_path)
    # The reader read the latest acknowledged key from the old master before the hang and from
    # the new one after the switch.
    reads = drill["reads"]
    new_master = drill["timeline"]["newMaster"]
    assert any(r["acknowledged"] and r["atMilliseconds"] < 0 and r["node"] == drill["timeline"]["oldMaster"] for r in reads)
    assert any(r["acknowledged"] and r["atMilliseconds"] > 0 and r["node"] == new_master for r in reads)
    marks = {mark["milestone"]: mark.get("atMilliseconds") for mark in drill["timeline"]["marks"]}
    assert all(marks[m] is not None for m in ["sdown", "odown", "elected-leader", "promoted", "switch-master", "first-write"]), marks
    assert marks["sdown"] <= marks["odown"] <= marks["switch-master"] <= marks["first-write"]
    assert drill["lostWrites"] == 0
    pid = deployment["master_process"].pid
    with open(f"/proc/{pid}/stat") as handle:
        assert handle.read().split(") ")[1][0] != "T", "the drill left the old master stopped"
    assert wait_for(lambda: redis.Redis(port=deployment["master"]).info("replication")["role"] == "slave", timeout=30)


def test_sleep_drill_on_a_master_without_debug_says_why_and_changes_nothing(failover_deployment, tmp_path):
    deployment = failover_deployment
    result = run_drill(deployment["sentinels"], "sleep", tmp_path, "--warmup", "200")
    assert result.returncode == 1
    assert "refused DEBUG SLEEP" in result.stderr and "enable-debug-command" in result.stderr, result.stderr
    assert redis.Redis(port=deployment["master"]).info("replication")["role"] == "master"


def test_drill_usage_errors_are_clear(tmp_path):
    result = subprocess.run([VIGIL, "drill", "mymaster", "--sentinels", "127.0.0.1:1", "--fault", "crash", "--repeat", "3"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 64 and "cannot repeat" in result.stderr
    result = subprocess.run([VIGIL, "drill", "mymaster", "--sentinels", "127.0.0.1:1", "--fault", "explode"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 64 and "--fault is one of switchover, coordinated, crash, hang, sleep" in result.stderr
    port = free_port()
    result = subprocess.run([VIGIL, "drill", "mymaster", "--sentinels", f"127.0.0.1:{port}", "--fault", "switchover"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "no agreed master 'mymaster'" in result.stderr, result.stderr


def test_sleep_drill_fails_over_from_a_master_stuck_in_debug_sleep(tmp_path):
    """DEBUG SLEEP longer than down-after: the master looks hung, one Vigil (quorum 1) fails over."""
    directory = tempfile.mkdtemp(prefix="vigil-drill-sleep-")
    processes = Processes(directory)
    master, replica, sentinel = free_port(), free_port(), free_port()
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--enable-debug-command", "local"]
    try:
        processes.start("master", ["redis-server", "--port", str(master)] + common)
        processes.start("replica", ["redis-server", "--port", str(replica), "--replicaof", "127.0.0.1", str(master)] + common)
        config = os.path.join(directory, "sentinel.conf")
        with open(config, "w") as handle:
            handle.write(f"port {sentinel}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 {master} 1\n"
                         "sentinel down-after-milliseconds mymaster 1000\n")
        processes.start("vigil", [VIGIL, config])
        assert wait_for(lambda: redis.Redis(port=sentinel).sentinel_master("mymaster")["num-slaves"] == 1
                        and replicas_online(master, 1), timeout=30)
        result = run_drill([sentinel], "sleep", tmp_path, "--sleep-seconds", "3", "--warmup", "500")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "DEBUG SLEEP 3 sent to" in result.stdout
        [drill] = load_results(tmp_path)
        assert drill["timeline"]["newMaster"]["port"] == replica
        marks = {mark["milestone"]: mark.get("atMilliseconds") for mark in drill["timeline"]["marks"]}
        # Down-after (1000 ms) counts from the master's last reply, which may precede the sleep by up to
        # its ping interval (a quarter of down-after): SDOWN comes between 750 and 1000 ms after the fault.
        assert 700 <= marks["sdown"] < 3000 and marks["first-write"] is not None, marks
    finally:
        processes.stop_all()
