"""Killing the process in the middle of an autosave never leaves a corrupt or lost plan."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from footprints.session import SessionStore

# A child that saves ever-longer histories of one session as fast as it can, printing the
# number of steps after each save has returned.
_SAVER = textwrap.dedent(
    """
    import sys
    from footprints.plan import Plan
    from footprints.session import SavedSession, SessionStore, WorkingPlan

    store, session_id = SessionStore(sys.argv[1]), sys.argv[2]
    practices = [f"P{i:05d}" for i in range(3000)]
    working = WorkingPlan(Plan({p: f"N{i % 300:03d}" for i, p in enumerate(practices)}))
    step = 0
    while True:
        step += 1
        # Big steps, so each save takes long enough to be caught half-way.
        moved = practices[(step * 7) % 2000 : (step * 7) % 2000 + 900]
        working.move(moved, f"N{step % 300:03d}")
        store.save(session_id, SavedSession(working))
        print(working.pointer, flush=True)
    """
)


def test_kill_mid_save_then_restart_restores_a_complete_plan(tmp_path: Path) -> None:
    session_id = "killtest0123456789abcdef"
    store = SessionStore(tmp_path)
    rng = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    last_saved = -1
    for _ in range(8):
        with subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(tmp_path), session_id],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        ) as child:
            assert child.stdout is not None
            first = child.stdout.readline()  # at least one save has completed
            assert first.strip().isdigit()
            time.sleep(rng.uniform(0.0, 0.4))
            child.send_signal(signal.SIGKILL)
            rest = child.stdout.read().split()
        finished = [int(line) for line in [first, *rest] if line.strip()]
        # Restart: the saved session loads, whole, and is the last completed save or the one
        # being written when the process died (the rename is the commit point).
        restored = store.load(session_id)
        assert restored is not None, "the autosave was corrupt after a kill"
        assert restored.working.pointer in {finished[-1], finished[-1] + 1}
        assert len(restored.working.plan) == 3000
        assert restored.working.pointer >= 1
        last_saved = max(last_saved, finished[-1])
    assert last_saved >= 1
    # Interrupted writes leave at most temporary files, never a second session file.
    assert [p.name for p in tmp_path.glob("*.json")] == [f"{session_id}.json"]
