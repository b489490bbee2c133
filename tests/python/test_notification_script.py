"""The notification script against three Vigils and real redis-servers: kill the master, and every
warning about the master reaches its script as Redis Sentinel passes it, `argv = [path, type, message]`,
including +new-epoch, +vote-for-leader and +switch-master, whose text names no instance."""
import os
import re
import stat

import redis

from conftest import three_vigil_deployment, wait_for

# Appends one line per run: the script's path, the number of arguments, then each argument, separated
# by tabs. One printf writes the whole line, so runs in parallel do not interleave their lines.
RECORDER = """#!/bin/sh
tab=$(printf '\\t')
line="$0$tab$#"
for argument in "$@"; do line="$line$tab$argument"; done
printf '%s\\n' "$line" >> {record}
"""


def write_recorder(directory, port):
    script = os.path.join(directory, f"notify-{port}.sh")
    record = os.path.join(directory, f"notifications-{port}.txt")
    with open(script, "w") as handle:
        handle.write(RECORDER.replace("{record}", record))
    os.chmod(script, os.stat(script).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script, record


def recorded(record):
    """The runs recorded so far, as (path, argument count, arguments...) tuples."""
    if not os.path.exists(record):
        return []
    with open(record) as handle:
        return [tuple(line.rstrip("\n").split("\t")) for line in handle if line.endswith("\n")]


def test_failover_runs_the_notification_script_for_every_warning_with_a_master(tmp_path):
    directory = str(tmp_path)
    scripts = {}

    def notification_script(port):
        scripts[port] = write_recorder(directory, port)
        return f"sentinel notification-script mymaster {scripts[port][0]}\n"

    with three_vigil_deployment(extra_config=notification_script) as deployment:
        sentinels = deployment["sentinels"]
        old = deployment["master"]
        ids = {port: redis.Redis(port=port, decode_responses=True).execute_command("SENTINEL", "MYID") for port in sentinels}

        deployment["master_process"].kill()
        deployment["master_process"].wait(timeout=10)

        def new_master():
            answers = {tuple(redis.Redis(port=port, decode_responses=True).execute_command(
                "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")) for port in sentinels}
            return len(answers) == 1 and int(answers.pop()[1]) in deployment["replicas"]

        assert wait_for(new_master, timeout=60), "no failover: " + deployment["processes"].report()
        new = int(redis.Redis(port=sentinels[0], decode_responses=True).execute_command(
            "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")[1])
        epoch = redis.Redis(port=sentinels[0]).sentinel_master("mymaster")["config-epoch"]
        switch = ("+switch-master", f"mymaster 127.0.0.1 {old} 127.0.0.1 {new}")

        # The scripts run after the events: wait until every Vigil's script saw the switch.
        assert wait_for(lambda: all(switch in [run[2:] for run in recorded(scripts[port][1])] for port in sentinels),
                        timeout=30), {port: recorded(scripts[port][1]) for port in sentinels}

        runs = {port: recorded(scripts[port][1]) for port in sentinels}
        for port in sentinels:
            assert runs[port], f"the script of the Vigil on {port} never ran"
            for run in runs[port]:
                assert run[:2] == (scripts[port][0], "2") and len(run) == 4, f"argv is not [path, type, message]: {run}"
        events = {port: [run[2:] for run in runs[port]] for port in sentinels}

        leaders = [port for port in sentinels if ("+elected-leader", f"master mymaster 127.0.0.1 {old}") in events[port]]
        assert len(leaders) == 1, events
        leader = leaders[0]
        assert ("+sdown", f"master mymaster 127.0.0.1 {old}") in events[leader], events[leader]
        assert any(kind == "+odown" and re.fullmatch(rf"master mymaster 127\.0\.0\.1 {old} #quorum [23]/2", message)
                   for kind, message in events[leader]), events[leader]
        assert ("+new-epoch", str(epoch)) in events[leader], events[leader]
        assert ("+vote-for-leader", f"{ids[leader]} {epoch}") in events[leader], events[leader]
        assert ("+try-failover", f"master mymaster 127.0.0.1 {old}") in events[leader], events[leader]
        # The others reach the epoch too (asked for a vote, or from a hello), and a majority voted for the leader.
        for port in sentinels:
            assert ("+new-epoch", str(epoch)) in events[port], (port, events[port])
            assert switch in events[port], (port, events[port])
        voters = [port for port in sentinels if ("+vote-for-leader", f"{ids[leader]} {epoch}") in events[port]]
        assert len(voters) >= 2, events
