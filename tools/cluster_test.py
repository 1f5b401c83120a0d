"""Build the paper through a real one-node SLURM cluster on this machine, and compare.

    python tools/cluster_test.py            # `make cluster-test`
    python tools/cluster_test.py --keep     # keep the temporary folder (logs, slurm.conf)
    python tools/cluster_test.py --manifest local.sha256   # compare with other hashes

Steps: install Debian's slurm-wlm and munge when missing (as root or with sudo); as root, move
into a private network namespace whose only interface is loopback; copy the
repository (without .git, .venv, Snakemake state and built outputs) into a temporary folder;
write a one-node slurm.conf there (controller and node on 127.0.0.1, free ports, CPUs and memory
of this machine, state/spool/logs in the temporary folder, no accounting storage); start munged
(own key and socket), slurmctld and slurmd in the foreground; build with
`snakemake --workflow-profile workflow/profiles/slurm`; check every output against
outputs.sha256; stop exactly the daemons started here, by pid, also on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import getpass
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import fresh_build  # noqa: E402
import manifest  # noqa: E402

# Debian packages and the programs this test needs from them.
PACKAGES = ["slurm-wlm", "munge"]
PROGRAMS = [
    "munged",
    "mungekey",
    "slurmctld",
    "slurmd",
    "sbatch",
    "srun",
    "squeue",
    "sinfo",
    "scontrol",
    "scancel",
]
NODE = "localhost"
PARTITION = "test"
LOOPBACK = "127.0.0.1"
PROFILE = "workflow/profiles/slurm"
START_TIMEOUT = 60  # seconds for a daemon to become ready
STOP_TIMEOUT = 20  # seconds for a daemon to exit after SIGTERM before SIGKILL
BUILD_TIMEOUT = 20 * 60  # seconds; a hung build must not hang CI
APT_TIMEOUT = 10 * 60  # seconds for each apt-get step


class ClusterTestError(RuntimeError):
    """A step of the cluster test failed; the message says which and why."""


# ---------------------------------------------------------------- cluster configuration


def mem_total_mb(meminfo: str) -> int:
    """MemTotal of /proc/meminfo in MiB, rounded down as `slurmd -C` reports RealMemory."""
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            value, unit = line.split()[1:3]
            if unit != "kB":
                raise ClusterTestError(f"/proc/meminfo: unexpected unit {unit!r} for MemTotal")
            return int(value) // 1024
    raise ClusterTestError("/proc/meminfo has no MemTotal line")


def machine_resources() -> tuple[int, int]:
    """(CPUs this process may run on, memory in MiB) of this machine."""
    cpus = len(os.sched_getaffinity(0))
    return cpus, mem_total_mb(Path("/proc/meminfo").read_text(encoding="ascii"))


def free_ports(count: int) -> list[int]:
    """`count` different TCP ports free on the loopback interface right now."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) for _ in range(count)]
        for sock in socks:  # all bound at once, so the kernel cannot hand out one port twice
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in socks]


# Linux constants (sched.h, sockios.h, if.h) for a private network namespace.
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
SIOCSIFADDR = 0x8916
IFF_UP = 0x1
# A second loopback address: glibc's getaddrinfo(AI_ADDRCONFIG), which Slurm uses, finds no IPv4
# at all while 127.0.0.1 is the only address, and slurmctld then cannot even resolve localhost.
LOOPBACK_ALIAS = ("lo:1", "127.0.0.2")


def enter_private_network() -> bool:
    """Move this process into a new network namespace whose only interface is loopback.

    Every daemon and job started afterwards inherits it, so nothing the test cluster does can
    reach, or be reached from, another machine (slurmctld always listens on all addresses).
    Needs root; False (and no change) where the kernel does not allow it.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/self/ns/net", "rb") as machine_network:
        if libc.unshare(CLONE_NEWNET) != 0:
            return False
        try:
            configure_loopback()
        except OSError:  # allowed a namespace but not to configure it: go back
            if libc.setns(machine_network.fileno(), CLONE_NEWNET) != 0:
                raise ClusterTestError("could not return to the machine's network namespace") from None
            return False
    return True


def configure_loopback() -> None:
    """Bring up `lo` (a new namespace starts with it down) and give it a second address."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))
        label, address = LOOPBACK_ALIAS
        sockaddr = struct.pack("H2s4s8s", socket.AF_INET, b"", socket.inet_aton(address), b"")
        fcntl.ioctl(sock, SIOCSIFADDR, struct.pack("16s", label.encode()) + sockaddr)


@dataclass(frozen=True)
class Layout:
    """Where the temporary cluster keeps everything (all below one temporary folder)."""

    base: Path

    @property
    def repo(self) -> Path:
        return self.base / "repo"

    @property
    def slurm(self) -> Path:
        return self.base / "slurm"

    @property
    def conf(self) -> Path:
        return self.slurm / "slurm.conf"

    @property
    def bin(self) -> Path:
        return self.base / "bin"

    @property
    def munge(self) -> Path:
        return self.base / "munge"

    @property
    def munge_socket(self) -> Path:
        return self.munge / "munge.socket"

    @property
    def munge_key(self) -> Path:
        return self.munge / "munge.key"

    def log(self, daemon: str) -> Path:
        return self.slurm / "log" / f"{daemon}.log"


@dataclass(frozen=True)
class ClusterSpec:
    """What the one-node cluster looks like."""

    user: str
    cpus: int
    memory_mb: int
    ctld_port: int
    slurmd_port: int


def slurm_conf(layout: Layout, spec: ClusterSpec) -> str:
    """slurm.conf of a one-node cluster whose daemons talk over 127.0.0.1 only.

    No accounting storage (like many small sites): job states come from squeue; MinJobAge keeps
    finished jobs visible to squeue long enough for Snakemake's status checks. Process tracking
    without cgroups, so it also runs in containers.
    """
    s = layout.slurm
    lines = [
        "# One-node test cluster written by tools/cluster_test.py (temporary; not for production).",
        "ClusterName=crsreview-test",
        f"SlurmctldHost={NODE}({LOOPBACK})",
        f"SlurmctldPort={spec.ctld_port}",
        f"SlurmdPort={spec.slurmd_port}",
        # slurmd and the clients bind to 127.0.0.1 instead of every address of the machine.
        "CommunicationParameters=NoInAddrAny",
        f"SlurmUser={spec.user}",
        f"SlurmdUser={spec.user}",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={layout.munge_socket}",
        f"StateSaveLocation={s / 'state'}",
        f"SlurmdSpoolDir={s / 'spool'}",
        f"SlurmctldPidFile={s / 'slurmctld.pid'}",
        f"SlurmdPidFile={s / 'slurmd.pid'}",
        f"SlurmctldLogFile={layout.log('slurmctld')}",
        f"SlurmdLogFile={layout.log('slurmd')}",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "JobCompType=jobcomp/none",
        "SchedulerType=sched/builtin",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_CPU_Memory",
        "MpiDefault=none",
        "ReturnToService=2",
        "MinJobAge=300",
        "SlurmctldDebug=info",
        "SlurmdDebug=info",
        f"NodeName={NODE} NodeHostname={NODE} NodeAddr={LOOPBACK} "
        f"CPUs={spec.cpus} RealMemory={spec.memory_mb} State=UNKNOWN",
        f"PartitionName={PARTITION} Nodes={NODE} Default=YES MaxTime=INFINITE State=UP",
    ]
    return "\n".join(lines) + "\n"


def srun_shim(conf: Path, srun: str) -> str:
    """An `srun` that finds our slurm.conf.

    The plugin's job step (snakemake-executor-plugin-slurm-jobstep 0.6.1) removes every SLURM_*
    variable, SLURM_CONF included, before it calls srun inside the job; on a real cluster srun
    then reads /etc/slurm/slurm.conf. This test writes nothing outside its temporary folder, so
    srun gets the path back here.
    """
    return f'#!/bin/sh\nSLURM_CONF="{conf}" exec "{srun}" "$@"\n'


def prepare(layout: Layout, spec: ClusterSpec) -> None:
    """Create the folders, the munge key, slurm.conf and the srun shim."""
    # munged insists that every folder above its socket is searchable by everyone and that the
    # key's folder is writable by its owner only.
    layout.base.chmod(0o755)
    layout.munge.mkdir(mode=0o755)
    for sub in ("state", "spool", "log"):
        (layout.slurm / sub).mkdir(parents=True)
    run(["mungekey", "--create", f"--keyfile={layout.munge_key}"], "create a munge key")
    layout.conf.write_text(slurm_conf(layout, spec), encoding="utf-8")
    layout.bin.mkdir()
    shim = layout.bin / "srun"
    shim.write_text(srun_shim(layout.conf, shutil.which("srun") or "srun"), encoding="utf-8")
    shim.chmod(0o755)


# ---------------------------------------------------------------- processes


def run(cmd: list[str], what: str, env: dict | None = None, timeout: float = 120) -> str:
    """Run a command; stdout, or ClusterTestError naming `what` with its output."""
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired as err:
        raise ClusterTestError(f"could not {what}: `{' '.join(cmd)}` took over {timeout:.0f} s") from err
    if result.returncode != 0:
        raise ClusterTestError(
            f"could not {what}: `{' '.join(cmd)}` exited {result.returncode}\n{result.stdout}{result.stderr}"
        )
    return result.stdout


def missing_programs() -> list[str]:
    return [p for p in PROGRAMS if shutil.which(p) is None]


def ensure_packages() -> None:
    """Install slurm-wlm and munge from Debian when a program is missing (root or sudo)."""
    missing = missing_programs()
    if not missing:
        return
    print(f"installing Debian {' '.join(PACKAGES)} (missing: {', '.join(missing)})", flush=True)
    # `env` after sudo: sudo does not pass the caller's environment on.
    apt = [*([] if os.geteuid() == 0 else ["sudo"]), "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    run([*apt, "update", "-qq"], "update the apt package lists", timeout=APT_TIMEOUT)
    run([*apt, "install", "-y", "-qq", *PACKAGES], f"install {' '.join(PACKAGES)}", timeout=APT_TIMEOUT)
    still = missing_programs()
    if still:
        raise ClusterTestError(f"after installing {' '.join(PACKAGES)}, still missing: {', '.join(still)}")


def cluster_env(layout: Layout) -> dict[str, str]:
    """Environment for daemons, clients and Snakemake: our slurm.conf, no inherited job context."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "SBATCH_", "SRUN_"))}
    env["SLURM_CONF"] = str(layout.conf)
    env["PATH"] = os.pathsep.join([str(layout.bin), env.get("PATH", os.defpath)])
    return env


def daemon_commands(layout: Layout) -> list[tuple[str, list[str]]]:
    """(name, command) of the three daemons, in start order, each in the foreground."""
    m = layout.munge
    return [
        (
            "munged",
            [
                "munged",
                "--foreground",
                f"--socket={layout.munge_socket}",
                f"--key-file={layout.munge_key}",
                f"--pid-file={m / 'munged.pid'}",
                f"--log-file={m / 'munged.log'}",
                f"--seed-file={m / 'munged.seed'}",
            ],
        ),
        ("slurmctld", ["slurmctld", "-D", "-i", "-f", str(layout.conf)]),
        ("slurmd", ["slurmd", "-D", "-N", NODE, "-f", str(layout.conf)]),
    ]


def wait_until(check: Callable[[], bool], what: str, alive: Callable[[], bool], timeout: float) -> None:
    """Poll `check` until it holds; fail early when the daemon died, or after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if not alive():
            raise ClusterTestError(f"{what}: the daemon exited")
        time.sleep(0.5)
    raise ClusterTestError(f"{what}: not ready after {timeout:.0f} s")


def succeeds(cmd: list[str], env: dict, expect: str = "") -> bool:
    """Whether `cmd` exits 0 within 30 s and prints `expect`."""
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=30)
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0 and expect in result.stdout


def readiness_checks(layout: Layout, env: dict) -> dict[str, Callable[[], bool]]:
    return {
        "munged": layout.munge_socket.exists,
        "slurmctld": lambda: succeeds(["scontrol", "ping"], env, "UP"),
        "slurmd": lambda: succeeds(["sinfo", "-h", "-N", "-o", "%T"], env, "idle"),
    }


class Daemons:
    """The daemons this test started (Popen objects), stopped by pid in reverse order."""

    def __init__(self, layout: Layout, env: dict):
        self.layout = layout
        self.env = env
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start_all(self) -> None:
        checks = readiness_checks(self.layout, self.env)
        for name, cmd in daemon_commands(self.layout):
            out = open(self.layout.slurm / "log" / f"{name}.stdout", "wb")  # noqa: SIM115
            # Own session: a Ctrl-C in the terminal reaches Snakemake (which cancels its jobs),
            # not the daemons, which this test stops itself once the jobs are gone.
            proc = subprocess.Popen(
                cmd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            out.close()
            self.started.append((name, proc))
            print(f"  started {name} (pid {proc.pid})", flush=True)
            try:
                wait_until(checks[name], f"starting {name}", lambda p=proc: p.poll() is None, START_TIMEOUT)
            except ClusterTestError:
                print(daemon_logs(self.layout), file=sys.stderr)
                raise

    def cancel_jobs(self) -> None:
        """Cancel every job of this cluster so no job step outlives slurmd."""
        if not any(name == "slurmctld" and p.poll() is None for name, p in self.started):
            return
        if not succeeds(["scancel", "--quiet", f"--partition={PARTITION}"], self.env):
            return  # the controller does not answer: stopping the daemons is all that is left
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            if not succeeds(["squeue", "-h", "-o", "%i"], self.env, expect="\n"):
                return  # no job listed any more (or no answer)
            time.sleep(0.5)

    def stop_all(self) -> None:
        try:
            self.cancel_jobs()
        finally:
            for name, proc in reversed(self.started):
                stop_process(name, proc)
            self.started.clear()


def stop_process(name: str, proc: subprocess.Popen) -> None:
    """SIGTERM the process by pid, SIGKILL it if it has not exited after STOP_TIMEOUT s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    print(f"  stopped {name} (pid {proc.pid}, exit {proc.returncode})", flush=True)


def environ_has(environ: bytes, marker: bytes) -> bool:
    """Whether a NUL-separated /proc/<pid>/environ contains the variable `marker` exactly."""
    return marker in environ.split(b"\0")


def stray_pids(marker: bytes, proc_root: Path = Path("/proc")) -> list[int]:
    """Processes still carrying our SLURM_CONF, i.e. job steps slurmd left behind."""
    pids = []
    for entry in proc_root.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # exited meanwhile, or not ours to read
            continue
        if environ_has(environ, marker):
            pids.append(int(entry.name))
    return sorted(pids)


def reap_strays(layout: Layout) -> None:
    """Stop job processes that the daemons left behind (none after a normal run)."""
    pids = stray_pids(f"SLURM_CONF={layout.conf}".encode())
    for pid in pids:
        print(f"  stopping leftover job process {pid}", flush=True)
        with suppress(ProcessLookupError):  # exited meanwhile
            os.kill(pid, signal.SIGKILL)


def daemon_logs(layout: Layout, lines: int = 25) -> str:
    """The last lines of every daemon log, for a daemon that would not start."""
    parts = []
    for log in sorted([*layout.slurm.glob("log/*"), layout.munge / "munged.log"]):
        if log.exists():
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name} (last {len(tail)} lines)\n" + "\n".join(tail))
    return "\n".join(parts)


# ---------------------------------------------------------------- build and check


def snakemake_command() -> list[str]:
    return [sys.executable, "-m", "snakemake", "--workflow-profile", PROFILE]


def interrupt(proc: subprocess.Popen) -> None:
    """Stop Snakemake: SIGINT first, so it cancels its SLURM jobs itself, then stop_process."""
    proc.send_signal(signal.SIGINT)
    with suppress(subprocess.TimeoutExpired):
        proc.wait(STOP_TIMEOUT)
    stop_process("snakemake", proc)


def build(layout: Layout, env: dict) -> None:
    """Build the paper through SLURM; on failure, raise with Snakemake's last lines."""
    log = layout.base / "snakemake.log"
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            snakemake_command(), cwd=layout.repo, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            code = proc.wait(BUILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            interrupt(proc)
            code = None
        except BaseException:
            interrupt(proc)
            raise
    if code != 0:
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-60:])
        why = f"timed out after {BUILD_TIMEOUT} s" if code is None else f"exited {code}"
        raise ClusterTestError(
            f"snakemake through SLURM {why} (`--keep` keeps its logs); last lines:\n{tail}"
        )


def slurm_job_count(env: dict) -> int:
    """Jobs the controller has seen (finished ones stay listed for MinJobAge seconds)."""
    out = run(["squeue", "-h", "--states=all", "-o", "%i"], "list the SLURM jobs", env)
    return len(out.split())


def cluster_test(expected: Path, keep: bool = False) -> int:
    """The whole test; 0 when every output matches the manifest `expected`."""
    started = time.monotonic()
    ensure_packages()  # before leaving the machine's network: apt needs it
    private = enter_private_network()
    layout = Layout(Path(tempfile.mkdtemp(prefix="crsreview-cluster-")))
    cpus, memory_mb = machine_resources()
    spec = ClusterSpec(getpass.getuser(), cpus, memory_mb, *free_ports(2))
    env = cluster_env(layout)
    daemons = Daemons(layout, env)
    with ExitStack() as cleanup:
        if keep:
            print(f"keeping {layout.base}")
        else:
            cleanup.callback(shutil.rmtree, layout.base, ignore_errors=True)
        cleanup.callback(reap_strays, layout)
        cleanup.callback(daemons.stop_all)
        # The same copy as `make verify` (fresh_build: what a clone or a release archive holds).
        fresh_build.copy(layout.repo, ROOT)
        prepare(layout, spec)
        print(f"one-node SLURM on {LOOPBACK}: {cpus} CPUs, {memory_mb} MiB; SLURM_CONF={layout.conf}")
        if private:
            print("  in a private network namespace: loopback is its only interface")
        else:
            print(
                "  no private network namespace (needs root): slurmd binds 127.0.0.1, but slurmctld"
                f" listens on port {spec.ctld_port} of every address (Slurm cannot bind it to one)"
            )
        daemons.start_all()
        print("building the paper with snakemake --workflow-profile " + PROFILE, flush=True)
        build_started = time.monotonic()
        build(layout, env)
        jobs = slurm_job_count(env)
        print(f"  {jobs} SLURM jobs in {time.monotonic() - build_started:.0f} s", flush=True)
        code = manifest.main(["check", "--root", str(layout.repo), "--manifest", str(expected)])
    elapsed = time.monotonic() - started
    if code != 0:
        raise ClusterTestError(f"outputs built through SLURM differ from {expected.name} (listed above)")
    print(f"cluster test passed: every output built through SLURM ({jobs} jobs) is byte-identical")
    print(f"to {expected.name}; the daemons are stopped ({elapsed:.0f} s in all)")
    return 0


def _interrupt_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, conf)")
    parser.add_argument(
        "--manifest",
        type=Path,
        default=ROOT / manifest.MANIFEST,
        help="hashes to compare with (default: outputs.sha256; e.g. one written from a local build)",
    )
    args = parser.parse_args(argv)
    # A CI timeout sends SIGTERM: unwind like Ctrl-C, so the daemons are still stopped.
    signal.signal(signal.SIGTERM, _interrupt_on_sigterm)
    try:
        return cluster_test(args.manifest.resolve(), keep=args.keep)
    except ClusterTestError as err:
        print(f"cluster test failed: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cluster test interrupted; the daemons it started are stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
