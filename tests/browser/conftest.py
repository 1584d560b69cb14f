"""Fixtures of the browser tests: a scratch copy of the course served by JupyterLab, and headless Chromium.

The server runs for the whole session on 127.0.0.1 (a free port, no token), from the course copy's root, so that
nbgrader's course root (``autograder/``) lies inside the server's root; every Jupyter, IPython and matplotlib folder
is a temporary one, JupyterLab's news and update checks are off and the course's style sheet is loaded (as
``coursekit lab`` sets them). The server's whole process group is stopped at the end. Chromium is Debian's
(``/usr/bin/chromium``, or ``$COURSEKIT_CHROMIUM``), driven by Playwright; without either, every browser test is
skipped with a message that says what is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, copy_course

# Screenshots and the latency report: a folder that CI keeps as artifacts (ignored by git).
ARTIFACTS = REPO / "build" / "browser"
SERVER_START_SECONDS = 60


def chromium_executable() -> str | None:
    """Debian's Chromium (``playwright install`` cannot download browsers here), or ``$COURSEKIT_CHROMIUM``."""
    given = os.environ.get("COURSEKIT_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """A JupyterLab server on a scratch copy of the course (``root``), reachable at ``url``."""

    def __init__(self, root: Path, state: Path):
        self.root, self.state = root, state
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = state / "jupyterlab.log"
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict:
        env = dict(os.environ)
        for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                         ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib"),
                         ("JUPYTERLAB_SETTINGS_DIR", "config/lab/user-settings"),
                         ("JUPYTERLAB_WORKSPACES_DIR", "config/lab/workspaces")):
            env[var] = str(self.state / sub)
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        # the venv's own tools (nbgrader, jupyter) first, as `coursekit lab` has them
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        return env

    def settings_dir(self) -> Path:
        """JupyterLab's application settings, with the overrides that ``coursekit lab`` writes: no news, no update
        check (there is no network, and the pop-up would cover the notebook)."""
        path = self.state / "data" / "lab" / "settings"
        path.mkdir(parents=True, exist_ok=True)
        settings = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
        (path / "overrides.json").write_text(json.dumps(settings, indent=2))
        return path

    def start(self) -> None:
        from coursekit.grading import webguard
        from coursekit.viz import jupyterlab

        env = self.environment()
        webguard.enable(Path(env["JUPYTER_CONFIG_DIR"]))  # as `coursekit lab` does
        jupyterlab.enable(Path(env["JUPYTER_CONFIG_DIR"]))  # the course's style sheet, as `coursekit lab` loads it
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
               "--ServerApp.password=", f"--ServerApp.root_dir={self.root}",
               f"--LabApp.app_settings_dir={self.settings_dir()}", "--LabApp.news_url=",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               # window.jupyterapp: the page reads the kernel's own timestamps of each slider message from it
               "--LabApp.expose_app_in_browser=True", jupyterlab.OPTION]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with status {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer /api/status within {SERVER_START_SECONDS} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Stop every notebook's kernel (the next test should have both cores to itself)."""
        try:
            for session in self.api("sessions"):
                self.api(f"sessions/{session['id']}", method="DELETE")
        except (urllib.error.URLError, OSError):
            pass

    def stop(self) -> None:
        """Stop the server by its PID: SIGTERM to its process group (it shuts its kernels down), then SIGKILL to the
        group and to any kernel that outlived it (kernels run in process groups of their own)."""
        if self.process is None:
            return
        import psutil

        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            children = []
        try:
            os.killpg(self.process.pid, signal.SIGTERM)  # the server leads its own group (start_new_session)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        for child in children:
            try:
                child.kill()
            except psutil.Error:
                pass


@pytest.fixture(scope="session")
def chromium():
    """Playwright's Chromium, launched from Debian's binary (skips the test when either is missing)."""
    executable = chromium_executable()
    if executable is None:
        pytest.skip("Chromium is missing: install Debian's chromium (make setup does as root, otherwise "
                    "`sudo apt-get install chromium`) or set COURSEKIT_CHROMIUM to a Chromium binary")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is missing: `make setup` installs it from requirements.txt")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def lab(chromium):
    """JupyterLab on a scratch copy of the course, for the whole session (started after Chromium is found)."""
    state = Path(tempfile.mkdtemp(prefix="coursekit-browser-"))
    root = copy_course(state / "course")
    # nbgrader's exchange, which `coursekit release` (make demo, make release) creates: without it the formgrader
    # warns that release and collect are unavailable
    (root / "autograder" / "exchange").mkdir(parents=True, exist_ok=True)
    server = LabServer(root, state / "jupyter")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def artifacts():
    """build/browser/: screenshots of every chapter's widgets and latency.json (kept by CI); the screenshots of
    failed tests of an earlier session are removed."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("failed-*.png"):
        old.unlink()
    return ARTIFACTS


class ConsoleErrors(list):
    """The browser console's errors and the page's uncaught exceptions, as text."""

    def attach(self, page) -> None:
        page.on("console", lambda msg: self.append(f"console.{msg.type}: {msg.text} ({msg.location})")
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.append(f"uncaught: {exc}"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.browser_test_failed = True
    return report


@pytest.fixture
def page(request, chromium, lab, artifacts):
    """A fresh browser context and page (no stored state), with its console errors collected in
    ``page.console_errors``; a failed test leaves a screenshot of the whole page in build/browser/, and the
    notebooks' kernels are stopped afterwards."""
    context = chromium.new_context(viewport={"width": 1500, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors = ConsoleErrors()
    errors.attach(page)
    page.console_errors = errors
    try:
        yield page
    finally:
        if getattr(request.node, "browser_test_failed", False):
            name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
            try:
                page.screenshot(path=artifacts / f"failed-{name}.png", full_page=True, timeout=15_000)
            except Exception as exc:  # the page may be gone; the test's own error is what matters
                print(f"no screenshot of the failed page: {exc}")
        context.close()
        lab.shutdown_kernels()


@pytest.fixture(scope="session")
def latency_report(artifacts):
    """Each widget's slider latencies, written to build/browser/latency.json when the session ends (the README's
    performance section and benchmarks/bench_browser.py quote it)."""
    import platform

    widgets: list[dict] = []
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    yield widgets
    if not widgets:
        return
    report = {
        "what": "slider key press to new widget output in JupyterLab (headless Chromium), per widget: end-to-end "
                "samples measured in the page with performance.now(); kernel samples are the kernel's own busy-to-"
                "idle time for the slider's comm message (the callback's compute plus ipykernel's dispatch)",
        "goal_ms": {"end_to_end_median": 300, "kernel_median": 50},
        "started": started,
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "widgets": widgets,
    }
    (artifacts / "latency.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
