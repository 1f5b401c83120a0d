"""Unit tests of tools/cluster_test.py (`make cluster-test` runs the real SLURM build)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import cluster_test as ct  # noqa: E402
import fresh_build  # noqa: E402


def conf_settings(text: str) -> dict[str, str]:
    """slurm.conf as {key: value}; NodeName/PartitionName lines keep their whole text."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            out[key] = value
    return out


@pytest.fixture
def layout(tmp_path):
    return ct.Layout(tmp_path / "cluster")


SPEC = ct.ClusterSpec(user="alice", cpus=3, memory_mb=7890, ctld_port=41001, slurmd_port=41002)


def test_conf_keeps_every_daemon_on_loopback(layout):
    conf = conf_settings(ct.slurm_conf(layout, SPEC))
    assert conf["SlurmctldHost"] == "localhost(127.0.0.1)"
    assert "NodeAddr=127.0.0.1" in conf["NodeName"].split()
    assert conf["CommunicationParameters"] == "NoInAddrAny"
    assert (conf["SlurmctldPort"], conf["SlurmdPort"]) == ("41001", "41002")


def test_conf_node_has_the_machine_resources_and_is_the_default_partition(layout):
    conf = conf_settings(ct.slurm_conf(layout, SPEC))
    node = conf["NodeName"].split()
    assert {"CPUs=3", "RealMemory=7890", "NodeHostname=localhost"} <= set(node)
    partition = conf["PartitionName"].split()
    assert partition[0] == ct.PARTITION
    assert "Nodes=localhost" in partition
    assert "Default=YES" in partition


def test_conf_keeps_state_logs_and_munge_socket_in_the_temporary_folder(layout):
    conf = conf_settings(ct.slurm_conf(layout, SPEC))
    path_keys = [
        "StateSaveLocation",
        "SlurmdSpoolDir",
        "SlurmctldPidFile",
        "SlurmdPidFile",
        "SlurmctldLogFile",
        "SlurmdLogFile",
    ]
    for key in path_keys:
        assert Path(conf[key]).is_relative_to(layout.base), key
    assert conf["AuthInfo"] == f"socket={layout.munge_socket}"
    assert layout.munge_socket.is_relative_to(layout.base)


def test_conf_runs_without_accounting_and_keeps_finished_jobs_for_squeue(layout):
    conf = conf_settings(ct.slurm_conf(layout, SPEC))
    assert conf["AccountingStorageType"] == "accounting_storage/none"
    assert (conf["SlurmUser"], conf["SlurmdUser"]) == ("alice", "alice")
    # The plugin falls back from squeue to sacct when MinJobAge < 3 x its status interval.
    profile = yaml.safe_load((ROOT / ct.PROFILE / "config.yaml").read_text(encoding="utf-8"))
    assert int(conf["MinJobAge"]) >= 3 * profile["slurm-init-seconds-before-status-checks"]


def test_mem_total_is_read_in_mib_like_slurmd():
    assert ct.mem_total_mb("MemFree: 10 kB\nMemTotal:       24684092 kB\n") == 24105
    with pytest.raises(ct.ClusterTestError, match="no MemTotal"):
        ct.mem_total_mb("MemFree: 10 kB\n")


def test_machine_resources_are_positive():
    cpus, memory_mb = ct.machine_resources()
    assert cpus >= 1
    assert memory_mb > 0


def test_daemons_run_in_the_foreground_with_our_paths(layout):
    commands = dict(ct.daemon_commands(layout))
    assert list(commands) == ["munged", "slurmctld", "slurmd"]
    assert "--foreground" in commands["munged"]
    assert f"--socket={layout.munge_socket}" in commands["munged"]
    assert f"--key-file={layout.munge_key}" in commands["munged"]
    for name in ("slurmctld", "slurmd"):
        assert "-D" in commands[name]
        assert commands[name][commands[name].index("-f") + 1] == str(layout.conf)
    assert commands["slurmd"][commands["slurmd"].index("-N") + 1] == ct.NODE


def test_cluster_env_points_at_our_conf_and_drops_inherited_job_context(layout, monkeypatch):
    monkeypatch.setenv("SLURM_JOB_ID", "99")
    monkeypatch.setenv("SBATCH_PARTITION", "big")
    env = ct.cluster_env(layout)
    assert env["SLURM_CONF"] == str(layout.conf)
    assert "SLURM_JOB_ID" not in env
    assert "SBATCH_PARTITION" not in env
    assert env["PATH"].split(os.pathsep)[0] == str(layout.bin)


def test_srun_shim_gives_srun_our_conf_back(tmp_path):
    fake = tmp_path / "fake-srun"
    fake.write_text('#!/bin/sh\necho "conf=$SLURM_CONF args=$*"\n', encoding="utf-8")
    fake.chmod(0o755)
    shim = tmp_path / "srun"
    shim.write_text(ct.srun_shim(tmp_path / "slurm.conf", str(fake)), encoding="utf-8")
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
    out = subprocess.run([str(shim), "-n1", "echo hi"], capture_output=True, text=True, env=env, check=True)
    assert out.stdout == f"conf={tmp_path / 'slurm.conf'} args=-n1 echo hi\n"


@pytest.mark.parametrize(
    ("rel", "is_dir", "ignored"),
    [
        (".venv", True, True),
        (".snakemake", True, True),
        ("figures", True, True),  # /figures/ is anchored at the root
        ("workflow/figures", True, False),
        ("figures", False, False),  # a dir-only pattern never matches a file
        ("data/processed", True, True),
        ("data/raw", True, False),
        ("workflow/lib/crsreview/__pycache__", True, True),
        ("workflow/lib/x.pyc", False, True),
        ("report.html", False, True),
        ("manuscript/report.html", False, False),
    ],
)
def test_is_ignored_follows_our_gitignore(rel, is_dir, ignored):
    assert fresh_build.IgnoreRules.read(ROOT).ignored(rel, is_dir) is ignored


def test_copy_leaves_out_git_venv_state_and_outputs(tmp_path):
    src = tmp_path / "src"
    files = {
        ".gitignore": "# env\n.venv/\n*.pyc\n/figures/\ndata/processed/\n.snakemake/\n",
        "Snakefile": "rule all:\n",
        "data/raw/x.csv": "a\n",
        "workflow/figures/keep.py": "",
        ".git/HEAD": "ref\n",
        ".venv/bin/python": "",
        ".snakemake/log/x.log": "",
        "figures/fig.svg": "<svg/>",
        "data/processed/facts.csv": "a\n",
        "workflow/lib/m.pyc": "",
    }
    for rel, text in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text, encoding="utf-8")
    dest = fresh_build.copy(tmp_path / "dest", src)
    copied = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert copied == [".gitignore", "Snakefile", "data/raw/x.csv", "workflow/figures/keep.py"]


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout"
)
def test_copy_of_this_repository_holds_every_tracked_file(tmp_path):
    dest = fresh_build.copy(tmp_path / "repo", ROOT)
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split("\0")
    missing = [rel for rel in tracked if rel and (ROOT / rel).is_file() and not (dest / rel).is_file()]
    assert missing == []
    assert not (dest / ".git").exists()
    assert not (dest / ".venv").exists()
    assert not (dest / ".snakemake").exists()


def test_environ_marker_must_match_a_whole_variable():
    environ = b"PATH=/bin\0SLURM_CONF=/tmp/a/slurm.conf\0"
    assert ct.environ_has(environ, b"SLURM_CONF=/tmp/a/slurm.conf")
    assert not ct.environ_has(environ, b"SLURM_CONF=/tmp/a")
    assert not ct.environ_has(b"SLURM_CONF=/tmp/a/slurm.conf.old\0", b"SLURM_CONF=/tmp/a/slurm.conf")


def test_stray_pids_finds_only_processes_with_our_conf(tmp_path):
    proc = tmp_path / "proc"
    for pid, environ in {"101": b"SLURM_CONF=/t/slurm.conf\0", "102": b"HOME=/root\0", "self": b""}.items():
        (proc / pid).mkdir(parents=True)
        (proc / pid / "environ").write_bytes(environ)
    (proc / "103").mkdir()  # exited before its environ was read
    assert ct.stray_pids(b"SLURM_CONF=/t/slurm.conf", proc_root=proc) == [101]


def test_profile_works_without_accounting_and_names_no_site_partition():
    profile = yaml.safe_load((ROOT / ct.PROFILE / "config.yaml").read_text(encoding="utf-8"))
    assert profile["executor"] == "slurm"
    assert profile["slurm-status-command"] == "squeue"
    assert "slurm_partition" not in profile["default-resources"]
    assert "slurm_account" not in profile["default-resources"]


def test_every_profile_key_is_a_snakemake_option():
    """Snakemake ignores unknown profile keys silently; a typo would quietly drop a setting."""
    from snakemake.cli import get_argument_parser

    help_text = get_argument_parser().format_help()
    profile = yaml.safe_load((ROOT / ct.PROFILE / "config.yaml").read_text(encoding="utf-8"))
    unknown = [key for key in profile if re.search(rf"--{re.escape(key)}\b", help_text) is None]
    assert unknown == []


def test_private_network_has_only_a_working_loopback():
    """In a child process (the namespace is for good): only `lo`; it carries traffic and
    localhost resolves the way Slurm asks for it."""
    script = (
        "import socket, sys; sys.path.insert(0, 'tools'); import cluster_test as ct\n"
        "if not ct.enter_private_network(): print('not allowed'); raise SystemExit\n"
        "names = [l.split(':')[0].strip() for l in open('/proc/net/dev').read().splitlines()[2:]]\n"
        "server = socket.create_server(('127.0.0.1', 0)); port = server.getsockname()[1]\n"
        "socket.create_connection(('127.0.0.1', port), timeout=5).close()\n"
        "flags = socket.AI_ADDRCONFIG  # as Slurm resolves names\n"
        "found = socket.getaddrinfo('localhost', 1, socket.AF_INET, socket.SOCK_STREAM, 0, flags)\n"
        "print(' '.join(names), *sorted({a[4][0] for a in found}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    if out.stdout.strip() == "not allowed":
        pytest.skip("no permission for a network namespace (needs root)")
    assert out.stdout.split() == ["lo", "127.0.0.1"]


def test_free_ports_are_distinct_and_bindable():
    ports = ct.free_ports(2)
    assert len(set(ports)) == 2
    for port in ports:
        with socket.create_server((ct.LOOPBACK, port)):
            pass


def test_private_network_falls_back_to_the_machine_network_when_it_cannot_configure_it():
    script = (
        "import os, sys; sys.path.insert(0, 'tools'); import cluster_test as ct\n"
        "before = os.readlink('/proc/self/ns/net')\n"
        "def refuse(): raise PermissionError('no CAP_NET_ADMIN')\n"
        "ct.configure_loopback = refuse\n"
        "print(ct.enter_private_network(), os.readlink('/proc/self/ns/net') == before)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
