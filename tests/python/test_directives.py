"""Security directives against the real binary (issue 12): each does what redis-sentinel 7.0 does, or
start-up refuses it with the line and the reason. Vigil alone on loopback; no Redis node is needed
because the monitored master may stay down."""
import os
import subprocess
import tempfile

import pytest
import redis

from conftest import VIGIL, Processes, free_port, wait_for

ACL_MIXED = ("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. "
             "This setup is very likely to lead to configuration errors and security holes, please define either an "
             "ACL file or declare users directly in your redis.conf, but not both.")


REFUSED = (redis.AuthenticationError, redis.ResponseError)


@pytest.fixture
def workdir():
    directory = tempfile.mkdtemp(prefix="vigil-directives-")
    processes = Processes(directory)
    try:
        yield directory, processes
    finally:
        processes.stop_all()


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as handle:
        handle.write(text)
    return path


def sentinel_config(port, extra=""):
    return f"port {port}\nbind 127.0.0.1\n{extra}sentinel monitor mymaster 127.0.0.1 {free_port()} 1\n"


def refused_start(directory, config_text):
    """Runs Vigil on a config it must refuse; returns its exit status and everything it printed."""
    config = write(directory, "sentinel.conf", config_text)
    done = subprocess.run([VIGIL, config], cwd=directory, capture_output=True, timeout=60)
    return done.returncode, (done.stdout + done.stderr).decode(errors="replace")


def start(directory, processes, config_text, port):
    config = write(directory, "sentinel.conf", config_text)
    processes.start("vigil", [VIGIL, config])
    assert wait_for(lambda: _listening(port)), processes.report()
    return config


def _listening(port):
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def read(path):
    with open(path) as handle:
        return handle.read()


# aclfile

def test_aclfile_users_log_in_and_acl_save_writes_the_file(workdir):
    directory, processes = workdir
    port = free_port()
    acl = write(directory, "users.acl", "user alice on >alicepw +@all ~* &*\nuser default on >secret ~* &* +@all\n")
    config = start(directory, processes, sentinel_config(port, "aclfile users.acl\n"), port)
    with pytest.raises(REFUSED):
        redis.Redis(port=port).ping()
    alice = redis.Redis(port=port, username="alice", password="alicepw")
    assert alice.execute_command("ACL", "WHOAMI") == b"alice"
    assert redis.Redis(port=port, password="secret").ping()
    alice.execute_command("ACL", "SETUSER", "bob", "on", ">bobpw", "+ping")
    # Checked line by line: the config names its directory, whose random name may itself hold "bob".
    user_lines = [line for line in read(config).splitlines() if line.startswith("user ")]
    assert user_lines == [], "with an aclfile, ACL SETUSER changes memory only, as in Redis"
    assert alice.execute_command("ACL", "SAVE") == b"OK"
    saved = read(acl).splitlines()
    assert [line.split()[1] for line in saved] == ["alice", "bob", "default"]
    assert saved[1].startswith("user bob on #")
    alice.execute_command("SENTINEL", "FLUSHCONFIG")
    text = read(config)
    assert 'aclfile "users.acl"' in text
    assert "\nuser " not in text, "the rewrite writes no user line with an aclfile: " + text


def test_acl_load_replaces_users_and_disconnects_theirs(workdir):
    directory, processes = workdir
    port = free_port()
    acl = write(directory, "users.acl", "user alice on >alicepw +@all\n")
    start(directory, processes, sentinel_config(port, "aclfile users.acl\n"), port)
    admin = redis.Redis(port=port, single_connection_client=True)
    alice = redis.Redis(port=port, username="alice", password="alicepw", single_connection_client=True)
    alice.client_setname("alice-conn")
    write(directory, "users.acl", "user carol on >carolpw +@all\n")
    assert admin.execute_command("ACL", "LOAD") == b"OK"
    assert wait_for(lambda: [c["name"] for c in admin.client_list()] == [""]), "alice's connection is closed"
    assert redis.Redis(port=port, username="carol", password="carolpw").ping()
    with pytest.raises(REFUSED):
        redis.Redis(port=port, username="alice", password="alicepw").ping()
    write(directory, "users.acl", "user dan on +nosuch\nfoo bar\nuser carol on\nuser carol on\n")
    with pytest.raises(redis.ResponseError) as error:
        admin.execute_command("ACL", "LOAD")
    assert str(error.value) == (
        "users.acl:1: Error in applying operation '+nosuch': Unknown command or category name in ACL. "
        "users.acl:2 should start with user keyword followed by the username. "
        "WARNING: Duplicate user 'carol' found on line 4. "
        "WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
    assert redis.Redis(port=port, username="carol", password="carolpw").ping(), "a failed load changes nothing"


def test_aclfile_and_user_lines_together_refuse_to_start(workdir):
    directory, _ = workdir
    write(directory, "users.acl", "user alice on >pw +@all\n")
    status, output = refused_start(directory, sentinel_config(free_port(), "aclfile users.acl\nuser default on nopass ~* &* +@all\n"))
    assert status == 1
    assert ACL_MIXED in output


def test_missing_or_broken_aclfile_refuses_to_start(workdir):
    directory, _ = workdir
    status, output = refused_start(directory, sentinel_config(free_port(), "aclfile nothere.acl\n"))
    assert status == 1
    assert ("Aborting Redis startup because of ACL errors: Error loading ACLs, opening file 'nothere.acl': "
            "No such file or directory") in output
    write(directory, "bad.acl", "# a comment\n")
    status, output = refused_start(directory, sentinel_config(free_port(), "aclfile bad.acl\n"))
    assert status == 1
    assert "bad.acl:1 should start with user keyword followed by the username." in output


# include

def test_include_applies_the_included_directives_and_the_rewrite_keeps_the_include_line(workdir):
    directory, processes = workdir
    port = free_port()
    os.mkdir(os.path.join(directory, "conf.d"))
    write(directory, "conf.d/10-port.conf", f"port {port}\n")
    write(directory, "conf.d/20-auth.conf", "requirepass hunter2\nsentinel announce-hostnames yes\n")
    main = f"bind 127.0.0.1\ninclude {directory}/conf.d/*.conf\nsentinel monitor mymaster 127.0.0.1 {free_port()} 1\n"
    config = write(directory, "sentinel.conf", main)
    processes.start("vigil", [VIGIL, config])
    assert wait_for(lambda: _listening(port)), processes.report()
    with pytest.raises(REFUSED):
        redis.Redis(port=port).ping()
    client = redis.Redis(port=port, password="hunter2")
    assert client.execute_command("SENTINEL", "CONFIG", "GET", "announce-hostnames") == {b"announce-hostnames": b"yes"}
    client.execute_command("SENTINEL", "FLUSHCONFIG")
    text = read(config)
    assert text.startswith(main), text
    for copied in ("port ", "requirepass", "announce-hostnames"):
        assert copied not in text.split("# Generated by CONFIG REWRITE")[-1], f"{copied} was copied: {text}"


def test_include_of_a_missing_file_or_of_sentinel_state_refuses_to_start(workdir):
    directory, _ = workdir
    status, output = refused_start(directory, sentinel_config(free_port(), "include /nonexistent/vigil.conf\n"))
    assert status == 1
    assert "Fatal error, can't open config file '/nonexistent/vigil.conf': No such file or directory" in output
    assert ">>> 'include /nonexistent/vigil.conf'" in output
    write(directory, "state.conf", "sentinel myid " + "a" * 40 + "\n")
    status, output = refused_start(directory, sentinel_config(free_port(), f"include {directory}/state.conf\n"))
    assert status == 1
    assert "sentinel myid cannot be in an included file" in output


# protected-mode

def test_protected_mode_yes_is_accepted_and_rewritten(workdir):
    directory, processes = workdir
    port = free_port()
    config = start(directory, processes, sentinel_config(port, "protected-mode yes\n"), port)
    client = redis.Redis(port=port)
    assert client.ping(), "loopback clients are served in protected mode"
    client.execute_command("SENTINEL", "FLUSHCONFIG")
    text = read(config)
    assert "protected-mode yes" in text and "protected-mode no" not in text


# TLS

def _certificate(directory):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
                    "-days", "2", "-subj", "/CN=localhost"], cwd=directory, check=True, capture_output=True)


def test_tls_without_a_ca_refuses_to_start(workdir):
    directory, _ = workdir
    _certificate(directory)
    tls = f"port 0\ntls-port {free_port()}\ntls-cert-file cert.pem\ntls-key-file key.pem\n"
    status, output = refused_start(directory, tls + f"sentinel monitor mymaster 127.0.0.1 {free_port()} 1\n")
    assert status == 1
    assert ("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or "
            "tls-auth-clients are enabled!") in output
    assert "Failed to configure TLS. Check logs for more info." in output


def test_tls_without_a_ca_starts_when_nothing_checks_certificates(workdir):
    directory, processes = workdir
    _certificate(directory)
    tls_port = free_port()
    config = write(directory, "sentinel.conf",
                   f"port 0\nbind 127.0.0.1\ntls-port {tls_port}\ntls-cert-file cert.pem\ntls-key-file key.pem\n"
                   f"tls-auth-clients no\nsentinel monitor mymaster 127.0.0.1 {free_port()} 1\n")
    processes.start("vigil", [VIGIL, config])
    assert wait_for(lambda: _listening(tls_port)), processes.report()


# other security directives Vigil cannot carry out

@pytest.mark.parametrize("line, reason", [
    ('rename-command CONFIG ""', "rename-command is not supported"),
    ("unixsocket /tmp/vigil-test.sock", "unixsocket is not supported"),
    ("acl-pubsub-default allchannels", "acl-pubsub-default allchannels is not supported"),
    ("tls-ciphersuites TLS_AES_256_GCM_SHA384", "tls-ciphersuites is not supported"),
    ("tls-prefer-server-ciphers yes", "tls-prefer-server-ciphers yes is not supported"),
    ("tls-dh-params-file dh.pem", "tls-dh-params-file is not supported"),
    ("bind-source-addr 127.0.0.1", "bind-source-addr is not supported"),
    ("proto-max-bulk-len 1mb", "proto-max-bulk-len other than Redis's default (512mb) is not supported"),
])
def test_unsupported_security_directives_refuse_to_start_naming_the_line(workdir, line, reason):
    directory, _ = workdir
    status, output = refused_start(directory, sentinel_config(free_port(), line + "\n"))
    assert status == 1
    assert "Reading the configuration file, at line 3" in output
    assert f">>> '{line}'" in output
    assert reason in output
