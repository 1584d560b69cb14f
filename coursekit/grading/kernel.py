"""Jupyter pieces that run a student's notebook in the sandbox: a kernel manager and an output-limited executor.

nbgrader's autograde is configured (by :mod:`coursekit.grading.grader`) to execute with :class:`SandboxExecute`,
whose kernels are started by :class:`SandboxedKernelManager`: the kernel runs under bubblewrap
(:mod:`coursekit.grading.sandbox`) and talks to the grader over Unix sockets in the submission's private folder (the
sandbox has no network, not even loopback).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from traitlets import Bool, DottedObjectName, Float, Int, Unicode

from nbgrader.preprocessors import Execute

from . import sandbox
from .check import SEED_ENV

__all__ = ["SandboxedKernelManager", "SandboxExecute", "kill_kernels", "TIMEOUT_NOTE", "SKIPPED_NOTE", "graded_cell"]

#: How a cell stopped at its time limit is marked in its outputs.
TIMEOUT_NOTE = "[grader] this cell ran longer than its time limit"
#: How a demonstration that a graded run leaves out is marked in its outputs.
SKIPPED_NOTE = "[grader] not run when grading: a demonstration (no score depends on it)"


def graded_cell(cell, first_code: bool) -> bool:
    """Whether a graded run that leaves the demonstrations out runs ``cell``: the notebook's first code cell (the
    setup imports), the solution cells and the test cells. These are what the clean room runs too (setup and
    solutions), so a test cell gives the same result with or without the demonstrations before it."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type != "code" or first_code or bool(meta.get("solution") or meta.get("grade"))


class SandboxedKernelClient(AsyncKernelClient):
    """A client that cannot be made to wait forever by a kernel whose channels a student's code broke: no heartbeat
    thread (whether the kernel lives is asked of its manager), and sends that give up after two seconds."""

    def start_channels(self, shell=True, iopub=True, stdin=True, hb=True, control=True):
        """Start the channels, the heartbeat excepted; sends on them give up after two seconds."""
        super().start_channels(shell=shell, iopub=iopub, stdin=stdin, hb=False, control=control)
        for channel in (self.shell_channel, self.stdin_channel, self.control_channel):
            socket = getattr(channel, "socket", None)
            if socket is not None:
                socket.setsockopt(zmq.SNDTIMEO, 2000)
                socket.setsockopt(zmq.LINGER, 0)


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel in the bubblewrap sandbox, in a private memory-backed copy of its folder.

    The kernel sees its notebook's folder at the usual path, but what it writes there (files, links, sockets) stays
    in the sandbox: nbgrader, which runs as the grader and writes the executed notebook into that folder, never meets
    anything the student's code made.
    """

    memory_mb = Int(sandbox.Limits.memory_mb, help="address space per process, MiB").tag(config=True)
    processes = Int(sandbox.Limits.processes, help="processes of the sandbox user").tag(config=True)
    file_mb = Int(sandbox.Limits.file_mb, help="largest file written, MiB").tag(config=True)
    scratch_mb = Int(sandbox.Limits.scratch_mb, help="size of the kernel's folder and of its /tmp, MiB").tag(
        config=True)
    uid = Int(sandbox.SANDBOX_UID, help="user the kernel runs as (when the grader is root)").tag(config=True)
    scratch_root = Unicode("", help="folder for the kernel's private files (default: the system's)").tag(config=True)
    client_class = DottedObjectName("coursekit.grading.kernel.SandboxedKernelClient")

    async def _async_pre_start_kernel(self, **kw):
        workdir = Path(kw.get("cwd") or os.getcwd()).resolve()
        # Unix socket paths are limited to ~100 bytes: the sockets live in a short private folder of their own
        short = self.scratch_root if self.scratch_root and len(self.scratch_root) < 60 else "/tmp"
        self._socket_dir = tempfile.mkdtemp(prefix="ck-", dir=short)
        self._seed_dir = tempfile.mkdtemp(prefix="ck-seed-", dir=self.scratch_root or None)
        self.transport = "ipc"
        self.ip = os.path.join(self._socket_dir, "k")
        self.connection_file = os.path.join(self._socket_dir, "kernel.json")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        # SIGINT would reach bwrap, not the kernel: interrupt through the control channel instead
        self.kernel_spec.interrupt_mode = "message"
        # the files of the notebook's folder (no links), copied into the sandbox's own folder when it starts
        sandbox.copy_regular_files(workdir, Path(self._seed_dir))
        os.chmod(self._seed_dir, 0o755)
        # the kernel runs as the sandbox user: it must read the connection file and create its sockets
        _own(Path(self._socket_dir), self.uid)
        limits = sandbox.Limits(memory_mb=self.memory_mb, processes=self.processes, file_mb=self.file_mb,
                                scratch_mb=self.scratch_mb)
        # no connection banner in the student's log (crashes still print their traceback)
        kernel_cmd = list(kernel_cmd) + ["--IPKernelApp.log_level=CRITICAL"]
        kernel_cmd = sandbox.wrap(kernel_cmd, workdir, limits, seed=Path(self._seed_dir), uid=self.uid,
                                  writable=[self._socket_dir], env={
                                      k: v for k, v in (kw.get("env") or {}).items()
                                      if k.startswith("JPY_") or k == SEED_ENV})
        return kernel_cmd, kw

    async def _async_post_start_kernel(self, **kw):
        await super()._async_post_start_kernel(**kw)
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            _RUNNING.add(process.pid)

    def lock_sockets(self):
        """Once the kernel has made its sockets, its socket folder is closed to it (no more files there)."""
        folder = getattr(self, "_socket_dir", None)
        if folder and os.geteuid() == 0:
            os.chown(folder, 0, 0)
            os.chmod(folder, 0o755)
        elif folder:
            os.chmod(folder, 0o555)  # the sandbox user is the grader's own here: it could open it again

    def _connect_control_socket(self):
        super()._connect_control_socket()
        # a kernel whose channels a student's code broke takes no message: a send must not block forever
        if self._control_socket is not None:
            self._control_socket.setsockopt(zmq.SNDTIMEO, 2000)
            self._control_socket.setsockopt(zmq.LINGER, 0)

    async def _async_interrupt_kernel(self):
        try:
            await super()._async_interrupt_kernel()
        except zmq.Again:
            self.log.warning("the kernel takes no interrupt: killing it")
            process = getattr(self.provisioner, "process", None)
            if process is not None:
                _kill_group(process.pid)

    async def _async_shutdown_kernel(self, now=False, restart=False):
        # when grading there is nothing to save: the kernel is always stopped at once (a polite shutdown request
        # would wait on a kernel that may not answer)
        now = True
        process = getattr(self.provisioner, "process", None)
        if process is not None and not restart:
            _RUNNING.discard(process.pid)
        try:
            await super()._async_shutdown_kernel(now=now, restart=restart)
        finally:
            if not restart:
                for folder in (getattr(self, "_socket_dir", None), getattr(self, "_seed_dir", None)):
                    if folder:
                        with contextlib.suppress(OSError):
                            os.chmod(folder, 0o700)
                        shutil.rmtree(folder, ignore_errors=True)

    shutdown_kernel = _async_shutdown_kernel  # the async manager's public name is the coroutine itself


_RUNNING: set = set()  # process ids of the sandboxes of this process's running kernels


def kill_kernels() -> int:
    """Kill every running sandboxed kernel of this process (a kernel whose channels a student's code broke stops
    answering, and nbclient would wait for it cell after cell); nbclient then sees a dead kernel. Returns how many."""
    killed = 0
    for pid in list(_RUNNING):
        killed += _kill_group(pid)
        _RUNNING.discard(pid)
    return killed


def _kill_group(pid: int) -> int:
    import signal

    try:
        os.killpg(pid, signal.SIGKILL)
        return 1
    except (ProcessLookupError, PermissionError):
        return 0


def _own(folder: Path, uid: int) -> None:
    """Give ``folder`` and its files to the sandbox user (root only; otherwise the sandbox user is the grader)."""
    if os.geteuid() != 0:
        return
    for path, dirs, files in os.walk(folder):
        os.chown(path, uid, uid)
        for name in files:
            os.chown(os.path.join(path, name), uid, uid, follow_symlinks=False)


class SandboxExecute(Execute):
    """nbgrader's Execute with a cap on the output a notebook may produce (it is dropped, and the cell interrupted)."""

    max_output_mb = Float(20.0, help="output a notebook may produce before it is dropped").tag(config=True)
    max_cell_output_lines = Int(2000, help="stream lines kept per cell").tag(config=True)
    skip_demonstrations = Bool(False, help="run only the setup cell, the solution cells and the test cells (the "
                                           "demonstrations are left out, each with a note)").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if self.skip_demonstrations and cell.cell_type == "code":
            first = next((i for i, c in enumerate(self.nb.cells) if c.cell_type == "code"), index) == index
            if not graded_cell(cell, first):
                cell.outputs = [new_output("stream", name="stdout", text=SKIPPED_NOTE + "\n")]
                cell.execution_count = None
                return cell, resources
        return super().preprocess_cell(cell, resources, index)

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        if hasattr(self.km, "lock_sockets"):
            self.km.lock_sockets()
        return client

    def preprocess(self, nb, resources=None, km=None):
        self._output_bytes = 0
        self._stopped_cells = set()
        self._timed_out = set()
        try:
            return super().preprocess(nb, resources, km)
        finally:
            # a cell stopped at its time limit says so in its outputs (the grader reports it: the notebook did not
            # run to its end as written)
            for cell in nb.cells:
                if id(cell) in self._timed_out:
                    cell.outputs.append(new_output("stream", name="stdout", text=(
                        f"\n{TIMEOUT_NOTE} ({self.timeout} s) and was interrupted.\n")))

    async def _async_handle_timeout(self, timeout, cell=None):
        """A cell over its time is interrupted; a kernel that then answers neither the cell nor the interrupt within
        another period (its channels broken, say) is killed, instead of being interrupted again and again."""
        key = id(cell)
        timed_out = getattr(self, "_timed_out", set())
        if key in timed_out:
            kill_kernels()
            raise DeadKernelError(f"the kernel answered neither the cell nor an interrupt within {timeout} s")
        timed_out.add(key)
        self._timed_out = timed_out
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {}), default=str))
        self._output_bytes = getattr(self, "_output_bytes", 0) + size
        if self._output_bytes > self.max_output_mb * 2**20:
            stopped = getattr(self, "_stopped_cells", set())
            if cell_index not in stopped:  # once per cell: a note, and an interrupt
                stopped.add(cell_index)
                self._stopped_cells = stopped
                outs.append(new_output("stream", name="stdout", text=(
                    f"\n[grader] output limit of {self.max_output_mb:g} MiB reached: further output is dropped and "
                    "the cell is interrupted.\n")))
                if self.km is not None:
                    asyncio.ensure_future(self._interrupt())
            return None
        return super().output(outs, msg, display_id, cell_index)

    async def _interrupt(self):
        try:
            result = self.km.interrupt_kernel()
            if asyncio.iscoroutine(result):
                await result
        except Exception:  # noqa: BLE001 - a dead kernel needs no interrupt
            pass
