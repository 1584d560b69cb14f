"""Real servers for the grading tests, started and stopped by the tests on this machine, on 127.0.0.1 only: a Dask
scheduler with its workers (``dask scheduler``, ``dask worker``) and a PostgreSQL server (Debian's, ``initdb`` into
a temporary folder, run as an unprivileged user). Each is a subprocess in a session of its own, stopped by its
process group id."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


class DaskCluster:
    """``dask scheduler`` and ``n`` single-threaded ``dask worker`` processes on 127.0.0.1, with Dask's unread
    diagnostics off as the README starts them (:func:`coursekit.grading.cluster.quiet_environment`)."""

    def __init__(self, workers: int = 2, env: dict | None = None, worker_env: dict | None = None):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.logs = Path(tempfile.mkdtemp(prefix="coursekit-dask-"))
        from coursekit.grading.cluster import quiet_environment

        self.env = {**os.environ, **quiet_environment(), **(env or {})}  # as the README starts them
        self.worker_env = {**self.env, **(worker_env or {})}
        self.scheduler = self._start("scheduler", [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                                                    str(self.port), "--no-dashboard"], self.env)
        self._wait_for_scheduler()
        self.workers = [self.add_worker(f"w{i}") for i in range(workers)]

    def _start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)

    def _wait_for_scheduler(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            if self.scheduler.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"the scheduler did not start:\n{(self.logs / 'scheduler.log').read_text()[-2000:]}")

    def add_worker(self, name: str, env: dict | None = None) -> subprocess.Popen:
        return self._start(name, [str(BIN / "dask"), "worker", self.address, "--nworkers", "1", "--nthreads", "1",
                                  "--host", "127.0.0.1", "--no-dashboard", "--name", name, "--memory-limit", "0"],
                           env or self.worker_env)

    def wait_for_workers(self, n: int, seconds: float = 120) -> None:
        from distributed import Client

        with Client(self.address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(n, timeout=seconds)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.is_file() else ""

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            _stop(proc)
        shutil.rmtree(self.logs, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------------
# PostgreSQL


def postgres_bin() -> Path | None:
    """The folder of Debian's PostgreSQL server programs (initdb, postgres, pg_ctl), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]), reverse=True) \
        if Path("/usr/lib/postgresql").is_dir() else []
    if found:
        return found[0].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class Postgres:
    """A PostgreSQL server in a temporary folder on 127.0.0.1, run as an unprivileged user (``nobody`` when the
    tests run as root: PostgreSQL refuses root), with one database ``gradebook``."""

    def __init__(self):
        bindir = postgres_bin()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL's server programs (Debian's `postgresql`) are not installed")
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="coursekit-postgres-"))
        os.chmod(self.folder, 0o755)
        self.data = self.folder / "data"
        self.user = "grader"
        self.url = f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/gradebook"
        as_user = []
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.folder, nobody.pw_uid, nobody.pw_gid)
            as_user = ["/usr/bin/setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
        env = {"PATH": f"{bindir}:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self.folder)}
        done = subprocess.run(as_user + [str(bindir / "initdb"), "-D", str(self.data), "-U", self.user,
                                         "--auth=trust", "-E", "UTF8", "--no-sync"],
                              capture_output=True, text=True, env=env, cwd=self.folder, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr[-2000:]}")
        log = open(self.folder / "server.log", "ab")
        self.proc = subprocess.Popen(
            as_user + [str(bindir / "postgres"), "-D", str(self.data), "-h", "127.0.0.1", "-p", str(self.port),
                       "-k", str(self.folder), "-c", "fsync=off"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=self.folder,
            start_new_session=True)
        self._wait()
        self.sql("CREATE DATABASE gradebook", database="postgres")

    def _wait(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.sql("SELECT 1", database="postgres")
                return
            except Exception:  # noqa: BLE001 - not up yet
                if self.proc.poll() is not None:
                    break
                time.sleep(0.3)
        raise RuntimeError(f"PostgreSQL did not start:\n{(self.folder / 'server.log').read_text()[-2000:]}")

    def sql(self, statement: str, database: str = "gradebook") -> list:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, dbname=database,
                             autocommit=True, connect_timeout=5) as con:
            cur = con.execute(statement)
            return cur.fetchall() if cur.description else []

    def close(self) -> None:
        _stop(self.proc)
        shutil.rmtree(self.folder, ignore_errors=True)
