"""Jupyter pieces that run a student's notebook in the sandbox: a kernel manager and an output-limited executor.

nbgrader's autograde is configured (by :mod:`coursekit.grading.grader`) to execute with :class:`SandboxExecute`,
whose kernels are started by :class:`SandboxedKernelManager`: the kernel runs under bubblewrap
(:mod:`coursekit.grading.sandbox`) and talks to the grader over Unix sockets in the submission's private folder (the
sandbox has no network, not even loopback).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import new_output
from traitlets import Float, Int

from nbgrader.preprocessors import Execute

from . import sandbox

__all__ = ["SandboxedKernelManager", "SandboxExecute"]


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel in the bubblewrap sandbox, with its own folder as the only writable place."""

    memory_mb = Int(sandbox.Limits.memory_mb, help="address space per process, MiB").tag(config=True)
    processes = Int(sandbox.Limits.processes, help="processes of the sandbox user").tag(config=True)
    file_mb = Int(sandbox.Limits.file_mb, help="largest file written, MiB").tag(config=True)
    uid = Int(sandbox.SANDBOX_UID, help="user the kernel runs as (when the grader is root)").tag(config=True)

    async def _async_pre_start_kernel(self, **kw):
        workdir = Path(kw.get("cwd") or os.getcwd()).resolve()
        # Unix socket paths are limited to ~100 bytes: the sockets live in a short private folder of their own
        self._socket_dir = tempfile.mkdtemp(prefix="ck-", dir="/tmp")
        self.transport = "ipc"
        self.ip = os.path.join(self._socket_dir, "k")
        self.connection_file = os.path.join(self._socket_dir, "kernel.json")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        # SIGINT would reach bwrap, not the kernel: interrupt through the control channel instead
        self.kernel_spec.interrupt_mode = "message"
        # the kernel runs as the sandbox user: it must read the connection file the grader wrote
        sandbox.prepare_workdir(workdir, self.uid)
        sandbox.prepare_workdir(Path(self._socket_dir), self.uid)
        limits = sandbox.Limits(memory_mb=self.memory_mb, processes=self.processes, file_mb=self.file_mb)
        kernel_cmd = sandbox.wrap(kernel_cmd, workdir, limits, uid=self.uid, writable=[self._socket_dir], env={
            k: v for k, v in (kw.get("env") or {}).items() if k.startswith(("JPY_", "COURSEKIT_"))})
        return kernel_cmd, kw

    async def _async_shutdown_kernel(self, now=False, restart=False):
        try:
            await super()._async_shutdown_kernel(now=now, restart=restart)
        finally:
            if not restart and getattr(self, "_socket_dir", None):
                shutil.rmtree(self._socket_dir, ignore_errors=True)

    shutdown_kernel = _async_shutdown_kernel  # the async manager's public name is the coroutine itself


class SandboxExecute(Execute):
    """nbgrader's Execute with a cap on the output a notebook may produce (it is dropped, and the cell interrupted)."""

    max_output_mb = Float(20.0, help="output a notebook may produce before it is dropped").tag(config=True)
    max_cell_output_lines = Int(2000, help="stream lines kept per cell").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._output_bytes = 0
        self._stopped_cells = set()
        return super().preprocess(nb, resources, km)

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
