"""Where students are graded: a Dask cluster, the instructor's (``--cluster tcp://HOST:8786``) or a local one.

One engine: without ``--cluster`` the grader starts a ``distributed.LocalCluster`` of ``--jobs``
single-threaded worker processes on this machine and sends them the same tasks (:mod:`coursekit.grading.task`) as
it sends a cluster's workers. Before grading, every worker is asked whether its sandbox works and whether it runs
the same grading code (:func:`check_workers`); each is started warm (its fork server imports the grading code while
the grader prepares the class).
"""

from __future__ import annotations

import contextlib
import logging
import time

__all__ = ["open_client", "check_workers", "ClusterUnreachable", "CONNECT_SECONDS", "QUIET", "quiet_environment"]

CONNECT_SECONDS = 20  # a scheduler that does not answer within this is reported (well within 30 s)

#: Dask's diagnostics that nobody reads while grading (no dashboard): the statistical profiler of each worker's tasks
#: (100 samples a second), the system monitor (twice a second) and the event loop's tick (50 a second). On two
#: cores they took about 0.3 s of CPU per graded submission from the grading itself. The local cluster runs without;
#: the README shows how to start a cluster's scheduler and workers the same way.
QUIET = {"distributed.worker.profile.enabled": False, "distributed.admin.system-monitor.interval": "5s",
         "distributed.admin.tick.interval": "1s"}


def quiet_environment() -> dict[str, str]:
    """:data:`QUIET` as the environment variables that ``dask scheduler`` and ``dask worker`` read."""
    return {"DASK_" + key.upper().replace(".", "__").replace("-", "_"): str(value) for key, value in QUIET.items()}


class ClusterUnreachable(RuntimeError):
    """No Dask scheduler answers at the address given."""


@contextlib.contextmanager
def open_client(address: str | None, jobs: int, log=print):
    """A Dask client on the cluster at ``address``, or on a local cluster of ``jobs`` single-threaded worker
    processes (closed afterwards)."""
    import dask
    from distributed import Client, LocalCluster

    # a task whose worker died is sent to another one; a submission that kills three workers gets an error
    settings = {"distributed.scheduler.allowed-failures": 3, "distributed.comm.timeouts.connect": f"{CONNECT_SECONDS}s",
                "distributed.worker.daemon": False, "distributed.admin.tick.limit": "1h",
                "distributed.worker.memory.terminate": False, **QUIET}
    with dask.config.set(settings):
        if address:
            try:
                client = Client(address, timeout=f"{CONNECT_SECONDS}s", set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ClusterUnreachable(
                    f"no Dask scheduler answers at {address} (waited {CONNECT_SECONDS} s: {exc}). Start one there "
                    f"(`dask scheduler`) and workers (`dask worker {address} --nworkers N --nthreads 1`), or grade "
                    f"on this machine without --cluster") from None
            with client:
                yield client
            return
        with LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                          memory_limit=0, silence_logs=logging.ERROR, host="127.0.0.1") as cluster, \
                Client(cluster, set_as_default=False) as client:
            yield client


def check_workers(client, version: str, require_sandbox: bool, log=print, wait_seconds: float = 60) -> bool:
    """Ask every worker whether its sandbox works and whether its grading code is the grader's, and start its fork
    server. Refuses (RuntimeError, naming the hosts) where the sandbox is required but missing, installed but
    broken, or the code differs; warns loudly where bubblewrap is missing. Returns whether every host is sandboxed."""
    from .task import host_facts, warm

    deadline = time.monotonic() + wait_seconds
    while not client.scheduler_info().get("workers"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Dask scheduler at {client.scheduler.address} has no workers (waited "
                               f"{wait_seconds:.0f} s): start them with `dask worker {client.scheduler.address} "
                               f"--nworkers N --nthreads 1` on each grading host")
        time.sleep(0.2)
    facts = client.run(host_facts, version)
    client.run(warm)
    differ = [f"{addr} ({f['host']})" for addr, f in facts.items() if not f["same_code"]]
    if differ:
        raise RuntimeError("these grading hosts run other grading code than this grader (update their copy of the "
                           "repository and restart their workers): " + ", ".join(differ))
    broken = [f"{addr} ({f['host']}): {f['problem']}" for addr, f in facts.items()
              if f["problem"] and (require_sandbox or f["bwrap"])]
    if broken:
        what = "the sandbox is required but not available" if require_sandbox else "the sandbox cannot be used"
        raise RuntimeError(f"{what} on these grading hosts: " + "; ".join(broken))
    bare = sorted({f["host"] for f in facts.values() if f["problem"]})
    if bare:
        bar = "!" * 78
        log(f"{bar}\nWARNING: bubblewrap (bwrap) is not available on {', '.join(bare)}: student code runs there with "
            f"the worker's\npermissions, with network and without limits. Install it (Debian/Ubuntu: apt-get install "
            f"bubblewrap) before grading a class.\n{bar}")
    return not bare
