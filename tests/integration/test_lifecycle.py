"""`python -m streams.stack run` (what `make run` runs) stops everything it started on SIGTERM,
as a process supervisor would send it, even while it is still starting up."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from infra.services import pid_alive
from streams.settings import REPO_DIR
from streams.stack import private_settings


def test_sigterm_during_start_up_stops_every_process_it_started(tmp_path):
    settings = private_settings(tmp_path / "run")
    env = {**os.environ, **settings.child_env(), "PYTHONPATH": str(REPO_DIR)}
    proc = subprocess.Popen([sys.executable, "-m", "streams.stack", "run"], env=env, cwd=REPO_DIR,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    pids_dir = settings.run_dir / "pids"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and len(list(pids_dir.glob("worker-*.pid"))) < 3:
        assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
        time.sleep(0.2)
    started = [int(p.read_text()) for p in pids_dir.glob("*.pid")]
    started += [int((settings.run_dir / svc / f"{svc}.pid").read_text()) for svc in ("kafka", "neo4j")]
    assert len(started) >= 5 and all(pid_alive(p) for p in started)
    os.kill(proc.pid, signal.SIGTERM)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out.decode(errors="replace")[-2000:]
    survivors = [p for p in started if pid_alive(p)]
    assert not survivors, f"still running after SIGTERM: {survivors}"
    assert not list(pids_dir.glob("*.pid"))
