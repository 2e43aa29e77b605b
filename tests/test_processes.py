"""No process left behind: the dashboard's server ends with the command."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port, signals_as_a_terminal_gives_them


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_dashboard_server_stops_with_the_command(sig):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "coprod", "dashboard", "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=signals_as_a_terminal_gives_them)
    try:
        deadline = time.time() + 90
        while not _listening(port) and time.time() < deadline:
            time.sleep(0.5)
        assert _listening(port), "the dashboard did not start within 90 s"
        children = _children(proc.pid)
        assert children, "the server runs as a child process"
        proc.send_signal(sig)
        proc.wait(timeout=30)
        time.sleep(0.5)
        assert not _listening(port), "something still listens on the dashboard's port"
        assert not [c for c in children if _alive(c)], "the server outlived the command"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_dashboard_port_out_of_range_is_one_line(port, capsys):
    from coprod.main import main

    assert main(["dashboard", "--port", port]) == 2
    err = capsys.readouterr().err
    assert "--port" in err and len(err.strip().splitlines()) == 1


def test_dashboard_port_in_use_is_one_line(capsys):
    import socket

    from coprod.main import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert "cannot listen on port" in err and len(err.strip().splitlines()) == 1


NAPPING_POOL = ("import time\nfrom runtime.pool import Task, run_tasks\n"
                "def nap(task):\n    time.sleep(120)\n"
                "run_tasks(nap, [Task({}, 0, i) for i in range(4)], workers=2, progress=False)\n")


def test_workers_end_when_their_parent_is_killed():
    proc = subprocess.Popen([sys.executable, "-c", NAPPING_POOL], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = []
    try:
        deadline = time.time() + 60
        while len(workers) < 2 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.1)
            workers = _children(proc.pid)
        assert len(workers) == 2, "the pool did not start its two workers"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.time() + 5
        while [w for w in workers if _alive(w)] and time.time() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    finally:
        for pid in [proc.pid, *workers]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()


def test_the_calibration_sampler_workers_watch_their_parent_too():
    from calibration.sampler import SeededSampler
    from runtime.pool import start_worker

    pool = SeededSampler(2)._pool()
    try:
        assert pool._initializer is start_worker and pool._initargs == (os.getpid(),)
    finally:
        pool.shutdown()


def test_a_worker_ignoring_ctrl_c_still_ends_on_its_parents_sigterm():
    """Ctrl-C reaches a whole process group; the parent then stops its pool with SIGTERM.

    A worker ignores Ctrl-C but must still end on the SIGTERM when both came during one
    deferred block (a run of the model): before, only the first signal was handled, the
    worker went on with its chunk and its parent waited for it — for minutes.
    """
    code = ("import os, signal, time\n"
            "from runtime.interrupts import interrupts_deferred\n"
            "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "signal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
            "with interrupts_deferred() as pending:\n"
            "    os.kill(os.getpid(), signal.SIGINT)\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "    time.sleep(0.2)\n"
            # The ignored Ctrl-C is not recorded (it would stop the worker's run early).
            "    assert pending == [signal.SIGTERM], pending\n"
            "print('went on after the block')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert done.returncode == -signal.SIGTERM, (done.returncode, done.stdout, done.stderr)
    assert "went on" not in done.stdout
