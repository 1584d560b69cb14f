"""A bubblewrap sandbox for students' code: kernels and clean-room interpreters run in it when grading.

Inside the sandbox a process

- runs as an unprivileged user with no capabilities: a real unprivileged uid of its own (65534 ``nobody``, or one
  per parallel worker) when the grader runs as root, else uid 65534 in a user namespace mapped to the grader's user;
- sees only what it needs, read-only: the system's ``/usr``, ``/lib``, a few files of ``/etc``, this Python
  installation and its environment (or, for the clean room, only the packages an exercise allows), and the
  ``coursekit`` package where the kernel needs it; the gradebook, ``solutions/``, ``autograder/`` itself, other
  students and the grader's home are not there at all;
- writes only to memory-backed folders of a fixed size, private to it and gone when it ends: its working folder
  (a copy of the files it is given) and ``/tmp``. Nothing it writes reaches the grader's file system, so a link it
  plants or a file it fills is never seen by the grader;
- has no network, loopback included (a network namespace of its own), its own process, IPC and host-name
  namespaces, an empty environment apart from what the grader sets, and dies with the grader;
- is limited in memory (address space per process), number of processes, and size of the files it writes
  (:class:`Limits`); wall time is limited by the grader, which kills the whole sandbox.

Without ``bwrap`` (Debian/Ubuntu package ``bubblewrap``), grading still works but is not isolated, and the grader
says so loudly.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SEED_PATH", "Limits", "available", "problem", "wrap", "copy_regular_files", "SANDBOX_UID", "readonly_paths",
           "package_entries", "site_packages"]

SANDBOX_UID = 65534  # nobody

_ETC_FILES = ("passwd", "group", "nsswitch.conf", "ld.so.cache", "localtime", "hosts", "fonts")
SEED_PATH = _SEED = "/.seed"  # where the grader's files for the sandbox are seen, read-only


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
    scratch_mb : int
        Size of each of the sandbox's two writable folders (its working folder and ``/tmp``), in MiB. They live in
        memory, so together they bound what a submission can take from the grading machine's memory by writing.
    """

    memory_mb: int = 4096
    processes: int = 128
    file_mb: int = 256
    cell_seconds: int = 600
    student_seconds: int = 1200
    output_mb: float = 20.0
    scratch_mb: int = 256

    def __post_init__(self):
        for name in ("memory_mb", "processes", "file_mb", "cell_seconds", "student_seconds", "scratch_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Limits.{name} must be an int, got {type(value).__name__} {value!r}")
            if value < 1:
                raise ValueError(f"Limits.{name} must be a positive integer, got {value!r}")
        if not self.output_mb > 0:
            raise ValueError(f"Limits.output_mb must be positive, got {self.output_mb!r}")


# ---------------------------------------------------------------------------------------------------------------
# what the sandbox sees


def readonly_paths(with_coursekit: bool = True) -> list[Path]:
    """What a sandboxed Python needs to see: this environment, its base installation, and (for kernels) coursekit."""
    import coursekit

    paths = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.executable).resolve().parent}
    if with_coursekit:
        paths.add(Path(coursekit.__file__).resolve().parent)
    # a sandboxed interpreter must import exactly what the grader imports
    for p in site_packages():
        paths.add(p)
    # keep the outermost paths only
    ordered = sorted(paths, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for p in ordered:
        if not any(p == k or k in p.parents for k in kept):
            kept.append(p)
    return kept


def site_packages() -> list[Path]:
    """The site-packages folders this interpreter imports from."""
    return [Path(e).resolve() for e in sys.path if e and "site-packages" in Path(e).parts and Path(e).is_dir()]


def _top_entries(dist) -> set[str]:
    """The top-level names a distribution installs into site-packages (packages, modules, its metadata folder)."""
    entries = set()
    for f in dist.files or ():
        parts = Path(str(f)).parts
        if parts and parts[0] not in ("..", "/") and not parts[0].endswith(".pth"):
            entries.add(parts[0])
    return entries


def _requirements(dist) -> list[str]:
    """Names of the distributions ``dist`` needs at run time (extras and other platforms left out)."""
    from packaging.requirements import InvalidRequirement, Requirement

    names = []
    for text in dist.requires or ():
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is not None:
            try:
                if not req.marker.evaluate({"extra": ""}):
                    continue
            except Exception:  # noqa: BLE001 - an unknown marker: be conservative, leave it out
                continue
        names.append(req.name)
    return names


@functools.lru_cache(maxsize=32)
def package_entries(modules: tuple[str, ...]) -> frozenset[str]:
    """The site-packages entries that importing ``modules`` (top-level names, e.g. ``("numpy",)``) needs: the
    distributions that provide them and every distribution those require, with their metadata."""
    providers = importlib.metadata.packages_distributions()
    canonical = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731
    todo = [d for m in modules for d in providers.get(m, [])]
    seen: set[str] = set()
    entries: set[str] = set()
    while todo:
        name = canonical(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        entries |= _top_entries(dist)
        todo += _requirements(dist)
    return frozenset(entries)


# ---------------------------------------------------------------------------------------------------------------
# the command line


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


def _environment_binds(packages) -> list[str]:
    """Read-only binds of the Python installation: everything, or only the site-packages entries of ``packages``."""
    args = []
    for path in readonly_paths(with_coursekit=packages is None):
        args += _dir_chain(path) + ["--ro-bind", str(path), str(path)]
    if packages is not None:
        keep = package_entries(tuple(sorted(set(packages))))
        for site in site_packages():
            # an empty folder over site-packages, then only the allowed entries bound back into it
            args += ["--perms", "0755", "--tmpfs", str(site)]
            for name in sorted(os.listdir(site)):
                if name in keep:
                    args += ["--ro-bind", str(site / name), str(site / name)]
    return args


def wrap(argv: list[str], workdir: Path, limits: Limits, *, seed: Path | None = None, copy_seed: bool = True,
         packages=None, uid: int = SANDBOX_UID, writable=(), env: dict | None = None) -> list[str]:
    """The command line that runs ``argv`` in the sandbox, with a private writable ``workdir`` as its folder.

    ``workdir`` is a path as the sandboxed program sees it: an empty memory-backed folder of ``limits.scratch_mb``
    MiB is mounted there (nothing on the grader's disk at that path is visible or changed). ``seed``, a folder of the
    grader's, is seen read-only at ``/.seed`` and, unless ``copy_seed`` is false, copied into ``workdir`` before
    ``argv`` starts (prepare it with :func:`copy_regular_files`).
    ``packages`` restricts the Python environment to the site-packages entries those top-level modules need
    (coursekit is then absent too); None shows all of it, coursekit included. ``uid`` is the user the sandbox runs
    as when the grader is root: the grader gives each parallel worker its own, so that one submission's process
    bomb cannot starve another's. ``writable`` lists folders of the grader's the sandbox may write (the kernel's
    socket folder). ``env`` adds environment variables; nothing else of the grader's environment goes in (bwrap
    itself is started with an empty environment, so not even ``/proc/1/environ`` shows the grader's).
    """
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise RuntimeError("bubblewrap (bwrap) is not installed: the sandbox is not available")
    workdir = Path(workdir)
    size = str(limits.scratch_mb * 2**20)
    args = ["/usr/bin/env", "-i", bwrap, "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid",
            "--unshare-ipc", "--unshare-uts", "--hostname", "sandbox", "--clearenv",
            "--perms", "1777", "--size", size, "--tmpfs", "/tmp", "--dev", "/dev", "--proc", "/proc"]
    for top in ("/usr", "/bin", "/lib", "/lib64", "/sbin"):
        if os.path.exists(top):
            args += ["--ro-bind", top, top] if not os.path.islink(top) else ["--symlink", os.readlink(top), top]
    args += ["--perms", "0755", "--dir", "/etc"]
    for name in _ETC_FILES:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    args += _environment_binds(packages)
    for extra in writable:
        extra = Path(extra).resolve()
        args += _dir_chain(extra) + ["--bind", str(extra), str(extra)]
    if seed is not None:
        args += ["--ro-bind", str(Path(seed).resolve()), _SEED]
    args += _dir_chain(workdir) + ["--perms", "1777", "--size", size,
                                   "--tmpfs", str(workdir), "--chdir", str(workdir)]
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
    prelude = ["/bin/sh", "-c", f'cp -R {_SEED}/. . && exec "$@"', "sandbox"] if seed is not None and copy_seed \
        else []
    return args + ["--"] + drop + limit + prelude + list(argv)


def copy_regular_files(source: Path, target: Path, max_mb: float | None = None) -> list[str]:
    """Copy the regular files and folders of ``source`` into ``target`` without following any link.

    Links, sockets, pipes and devices are left out; returns their paths (relative to ``source``), so that the
    caller can say what was refused. Every file is opened with ``O_NOFOLLOW`` and checked to be the regular file it
    was listed as. Modes are not copied: files are 0644, folders 0755. With ``max_mb`` a file larger than that is
    left out too (and named).
    """
    source, target = Path(source), Path(target)
    refused: list[str] = []
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o755)
    with os.scandir(source) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            rel = entry.name
            if entry.is_symlink():
                refused.append(f"{rel} (a link)")
            elif entry.is_dir(follow_symlinks=False):
                refused += [f"{rel}/{r}" for r in copy_regular_files(Path(entry.path), target / entry.name, max_mb)]
            elif entry.is_file(follow_symlinks=False):
                if max_mb is not None and entry.stat(follow_symlinks=False).st_size > max_mb * 2**20:
                    refused.append(f"{rel} (larger than {max_mb:g} MiB)")
                    continue
                try:
                    fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                except OSError:
                    refused.append(f"{rel} (unreadable)")
                    continue
                with open(fd, "rb") as src:
                    if not _is_regular(os.fstat(src.fileno())):
                        refused.append(f"{rel} (not a regular file)")
                        continue
                    out = os.open(target / entry.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
                    with open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                os.chmod(target / entry.name, 0o644, follow_symlinks=False)
            else:
                refused.append(f"{rel} (not a regular file)")
    return refused


def _is_regular(st) -> bool:
    import stat

    return stat.S_ISREG(st.st_mode)


# ---------------------------------------------------------------------------------------------------------------
# can it run here?


@functools.lru_cache(maxsize=1)
def problem() -> str | None:
    """None when the sandbox works on this machine as this user; else why not, in a sentence.

    The probe starts a sandboxed Python exactly as the grader will (the same binds, limits and user), so that a
    folder the grader's user cannot bind (an interpreter under another user's home, say) is found before grading.
    """
    if not shutil.which("bwrap"):
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    with tempfile.TemporaryDirectory(prefix="coursekit-probe-") as seed:
        Path(seed, "probe.txt").write_text("ok")
        os.chmod(seed, 0o755)
        os.chmod(Path(seed, "probe.txt"), 0o644)
        argv = wrap([sys.executable, "-I", "-c", "import numpy; print(open('probe.txt').read())"],
                    Path("/tmp/coursekit-probe"), Limits(), seed=Path(seed), packages=("numpy",))
        try:
            done = subprocess.run(argv, capture_output=True, timeout=60, text=True, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"bubblewrap could not be started: {exc}"
    if done.returncode != 0 or done.stdout.strip() != "ok":
        why = (done.stderr.strip().splitlines() or ["no message"])[-1]
        user = "root" if os.geteuid() == 0 else f"uid {os.geteuid()}"
        return (f"bubblewrap is installed but cannot start the sandbox as {user}: {why}. Grade as root, or as a "
                f"user who can read this Python ({sys.base_prefix}) and create user namespaces")
    return None


def available() -> bool:
    """Whether the sandbox works here (see :func:`problem` for why not)."""
    return problem() is None
