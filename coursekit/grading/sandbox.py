"""A bubblewrap sandbox for students' code: kernels and clean-room interpreters run in it when grading.

Inside the sandbox a process

- runs as an unprivileged user with no capabilities: a real unprivileged uid of its own (65534 ``nobody``, or one
  per parallel worker) when the grader runs as root, else uid 65534 in a user namespace mapped to the grader's user;
- sees only what it needs, read-only: the system's ``/usr``, ``/lib``, a few files of ``/etc``, this Python
  installation and its environment, and the ``coursekit`` package; the only writable folder is its own private copy
  of one student's submission, plus a private ``/tmp``; the gradebook, ``solutions/``, ``autograder/source``, other
  students and the grader's home are not there at all;
- has no network, loopback included (a network namespace of its own), its own process, IPC and host-name
  namespaces, and dies with the grader;
- is limited in memory (address space per process), number of processes, and size of the files it writes
  (:class:`Limits`); wall time is limited by the grader, which kills the whole sandbox.

Without ``bwrap`` (Debian/Ubuntu package ``bubblewrap``), grading still works but is not isolated, and the grader
says so loudly.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Limits", "available", "wrap", "prepare_workdir", "SANDBOX_UID", "readonly_paths"]

SANDBOX_UID = 65534  # nobody

_ETC_FILES = ("passwd", "group", "nsswitch.conf", "ld.so.cache", "localtime", "hosts", "fonts")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one student's sandboxed processes.

    Attributes
    ----------
    memory_mb : int
        Address space of each process (RLIMIT_AS), in MiB.
    processes : int
        Number of processes and threads of the sandbox user (RLIMIT_NPROC).
    file_mb : int
        Largest file a process may write (RLIMIT_FSIZE), in MiB.
    cell_seconds : int
        Wall time of one notebook cell.
    student_seconds : int
        Wall time of a whole submission: its notebook and its clean-room verdict together.
    output_mb : float
        Output a notebook may produce (text and images together) before the grader stops recording and interrupts.
    """

    memory_mb: int = 4096
    processes: int = 128
    file_mb: int = 256
    cell_seconds: int = 600
    student_seconds: int = 1200
    output_mb: float = 20.0

    def __post_init__(self):
        for name in ("memory_mb", "processes", "file_mb", "cell_seconds", "student_seconds"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive integer, got {value!r}")
        if not self.output_mb > 0:
            raise ValueError(f"Limits.output_mb must be positive, got {self.output_mb!r}")


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """Whether bubblewrap is installed and can create the namespaces the sandbox needs on this machine."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return False
    probe = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net", "--unshare-pid",
             "--die-with-parent"]
    if os.geteuid() != 0:
        probe += ["--unshare-user"]
    try:
        return subprocess.run(probe + ["true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def readonly_paths() -> list[Path]:
    """What a sandboxed Python needs to see: this environment, its base installation, and coursekit."""
    import coursekit

    paths = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.executable).resolve().parent,
             Path(coursekit.__file__).resolve().parent}
    # a sandboxed interpreter must import exactly what the grader imports
    for entry in sys.path:
        p = Path(entry).resolve() if entry else None
        if p and p.is_dir() and "site-packages" in p.parts:
            paths.add(p)
    # keep the outermost paths only
    ordered = sorted(paths, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for p in ordered:
        if not any(p == k or k in p.parents for k in kept):
            kept.append(p)
    return kept


def prepare_workdir(path: Path, uid: int = SANDBOX_UID) -> None:
    """Make ``path`` (a private copy of one submission) writable by the sandbox user ``uid``, and nothing else."""
    if os.geteuid() != 0:
        return  # the sandbox user is mapped to the grader's own user
    for folder, dirs, files in os.walk(path):
        os.chown(folder, uid, uid)
        for name in files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


def _dir_chain(path: Path) -> list[str]:
    """bwrap arguments creating every parent of ``path`` with mode 0755 (bwrap's own default is 0700)."""
    args = []
    for parent in reversed(path.parents[:-1]):
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _user_processes() -> int:
    uid = os.getuid()
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


def wrap(argv: list[str], workdir: Path, limits: Limits, env: dict | None = None, hide=(),
         uid: int = SANDBOX_UID, writable=()) -> list[str]:
    """The command line that runs ``argv`` in the sandbox, with ``workdir`` as its only writable folder and cwd.

    ``hide`` lists folders the sandbox must not see even where they lie inside what it sees (the clean room hides
    coursekit itself). ``uid`` is the user the sandbox runs as when the grader is root: the grader gives each
    parallel worker its own, so that one submission's process bomb cannot starve another's. ``writable`` lists
    further private folders it may write (the kernel's socket folder).
    """
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise RuntimeError("bubblewrap (bwrap) is not installed: the sandbox is not available")
    workdir = Path(workdir).resolve()
    args = [bwrap, "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid", "--unshare-ipc",
            "--unshare-uts", "--hostname", "sandbox", "--clearenv",
            "--perms", "1777", "--tmpfs", "/tmp", "--dev", "/dev", "--proc", "/proc"]
    for top in ("/usr", "/bin", "/lib", "/lib64", "/sbin"):
        if os.path.exists(top):
            args += ["--ro-bind", top, top] if not os.path.islink(top) else ["--symlink", os.readlink(top), top]
    args += ["--perms", "0755", "--dir", "/etc"]
    for name in _ETC_FILES:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    hidden = [Path(h).resolve() for h in hide]
    bound = [p for p in readonly_paths() if p not in hidden]
    for path in bound:
        args += _dir_chain(path) + ["--ro-bind", str(path), str(path)]
    for path in hidden:
        if any(b in path.parents for b in bound):
            args += ["--perms", "0755", "--tmpfs", str(path)]
    for extra in writable:
        extra = Path(extra).resolve()
        args += _dir_chain(extra) + ["--bind", str(extra), str(extra)]
    args += _dir_chain(workdir) + ["--bind", str(workdir), str(workdir), "--chdir", str(workdir)]
    home = "/tmp/home"
    base_env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": home, "TMPDIR": "/tmp", "LANG": "C.UTF-8",
        "MPLCONFIGDIR": "/tmp/matplotlib", "IPYTHONDIR": "/tmp/ipython", "MPLBACKEND": "Agg",
        "JUPYTER_CONFIG_DIR": "/tmp/jupyter/config", "JUPYTER_DATA_DIR": "/tmp/jupyter/data",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter/runtime", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    }
    for key, value in {**base_env, **(env or {})}.items():
        args += ["--setenv", key, str(value)]
    nproc = limits.processes
    if os.geteuid() == 0:
        drop = ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all"]
    else:
        args += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
        drop = []
        nproc += _user_processes()  # RLIMIT_NPROC counts the grader's own processes too
    limit = ["/usr/bin/prlimit", f"--as={limits.memory_mb * 2**20}", f"--nproc={nproc}",
             f"--fsize={limits.file_mb * 2**20}", "--core=0", "--"]
    return args + ["--"] + drop + limit + list(argv)
