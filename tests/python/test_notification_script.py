"""The notification script against three Vigils and real redis-servers: kill the master, and every
warning about the master reaches its script as Redis Sentinel passes it, `argv = [path, type, message]`,
including +new-epoch, +vote-for-leader and +switch-master, whose text names no instance. With two
masters and a short down-after, each master's events reach that master's script and no other."""
import os
import re
import stat

import redis

from conftest import VIGIL, Deployment, three_vigil_deployment, wait_for

# Appends one line per run: the script's path, the number of arguments, then each argument, separated
# by tabs. One printf writes the whole line, so runs in parallel do not interleave their lines.
RECORDER = """#!/bin/sh
tab=$(printf '\\t')
line="$0$tab$#"
for argument in "$@"; do line="$line$tab$argument"; done
printf '%s\\n' "$line" >> {record}
"""


def write_recorder(directory, label):
    script = os.path.join(directory, f"notify-{label}.sh")
    record = os.path.join(directory, f"notifications-{label}.txt")
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


def master_named(kind, message):
    """The master an event's text names: the instance's (`master <name> ...`, or `... @ <name> ...` for
    a replica or a sentinel), the first word of +switch-master; None when the text names none."""
    words = message.split(" ")
    if kind == "+switch-master":
        return words[0]
    if words[0] == "master":
        return words[1]
    return words[words.index("@") + 1] if "@" in words else None


def linked(replica, master):
    """Whether the redis-server on `replica` replicates the one on `master`, its link up."""
    client = redis.Redis(port=replica, decode_responses=True, socket_timeout=5)
    try:
        info = client.info("replication")
    finally:
        client.close()
    return info["role"] == "slave" and int(info["master_port"]) == master and info["master_link_status"] == "up"


def test_each_master_runs_its_own_script_with_short_down_after(tmp_path):
    directory = str(tmp_path)
    names = ("alpha", "beta")
    scripts = {}

    def notification_scripts(port):
        lines = ""
        for name in names:
            scripts[port, name] = write_recorder(directory, f"{port}-{name}")
            lines += f"sentinel notification-script {name} {scripts[port, name][0]}\n"
        return lines

    with Deployment(VIGIL, names=names, replicas=2, sentinels=3, quorum=2, down_after_ms=200,
                    prefix="vigil-notify-", extra_config=notification_scripts) as deployment:
        assert deployment.ready(timeout=60), "the Vigils did not find each other: " + deployment.report()
        sentinels = deployment.sentinel_ports
        ids = {port: redis.Redis(port=port, decode_responses=True).execute_command("SENTINEL", "MYID") for port in sentinels}
        # The replicas still running, which a failover can promote.
        replicas = {group.name: set(group.replica_ports) for group in deployment.groups}

        def events(port, name):
            return [run[2:] for run in recorded(scripts[port, name][1])]

        # One failover at a time, so that each has a leader of its own. The first takes a new epoch;
        # beta's first may reuse it (Vigil shares an epoch among masters that have not used it, and
        # announces it once), so beta fails over twice: its second failover needs a new epoch.
        epochs = []
        for name in ("alpha", "beta", "beta"):
            assert wait_for(lambda: deployment.agreed_master(name) is not None, timeout=30), deployment.report()
            old = deployment.agreed_master(name)
            assert wait_for(lambda: all(linked(port, old) for port in replicas[name]), timeout=60), \
                f"{name}'s replicas do not follow {old}: " + deployment.report()
            victim = deployment.process_on(old)
            victim.kill()
            victim.wait(timeout=10)
            assert wait_for(lambda: deployment.agreed_master(name) in replicas[name], timeout=60), \
                f"{name} did not fail over from {old}: " + deployment.report()
            new = deployment.agreed_master(name)
            replicas[name].discard(new)
            switch = ("+switch-master", f"{name} 127.0.0.1 {old} 127.0.0.1 {new}")
            # The scripts run after the events: wait until every Vigil's script of this master saw the switch.
            assert wait_for(lambda: all(switch in events(port, name) for port in sentinels), timeout=30), \
                f"{switch} not recorded everywhere:\n" + "\n".join(
                    f"{port}: switches {[e for e in events(port, name) if e[0] == '+switch-master']}, "
                    f"last {events(port, name)[-6:]}, pending "
                    f"{redis.Redis(port=port, decode_responses=True).execute_command('SENTINEL', 'PENDING-SCRIPTS')}"
                    for port in sentinels)
            epoch = int(redis.Redis(port=sentinels[0]).sentinel_master(name)["config-epoch"])

            leaders = [port for port in sentinels if ("+elected-leader", f"master {name} 127.0.0.1 {old}") in events(port, name)
                       and ("+vote-for-leader", f"{ids[port]} {epoch}") in events(port, name)]
            assert len(leaders) == 1, {port: events(port, name) for port in sentinels}
            for expected in [("+sdown", f"master {name} 127.0.0.1 {old}"), ("+try-failover", f"master {name} 127.0.0.1 {old}")]:
                assert expected in events(leaders[0], name), (name, expected, events(leaders[0], name))
            assert any(kind == "+odown" and message.startswith(f"master {name} 127.0.0.1 {old} #quorum ")
                       for kind, message in events(leaders[0], name)), events(leaders[0], name)
            # A new epoch is announced to the script of the master whose failover took it.
            if not epochs or epoch > max(epochs):
                assert any(("+new-epoch", str(epoch)) in events(port, name) for port in sentinels), \
                    (epoch, {port: events(port, name) for port in sentinels})
            epochs.append(epoch)
        assert epochs[2] > epochs[0], epochs

        for port in sentinels:
            for name in names:
                runs = recorded(scripts[port, name][1])
                for run in runs:
                    assert run[:2] == (scripts[port, name][0], "2") and len(run) == 4, f"argv is not [path, type, message]: {run}"
                    kind, message = run[2:]
                    assert master_named(kind, message) in (name, None), f"{name}'s script ran for {run}"
            # Every Vigil reached every epoch a failover used, whichever master's event told it.
            announced = {message for name in names for kind, message in events(port, name) if kind == "+new-epoch"}
            assert {str(epoch) for epoch in epochs} <= announced, (port, announced, epochs)
