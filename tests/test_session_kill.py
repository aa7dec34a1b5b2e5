"""Killing the process in the middle of an autosave never leaves a corrupt or lost plan.

The app's autosave is a version in the plan store with the edit history saved alongside
(:mod:`footprints.store.sessions`), so the test saves through it, as the app does.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from footprints.session import WorkingPlan
from footprints.store import Store
from footprints.store.sessions import load_session, open_app_plan, working_state

# A child that saves ever-longer histories of one plan as fast as it can, each against the
# version it saved last, printing the history's pointer after each save has returned.
_SAVER = textwrap.dedent(
    """
    import sys
    from footprints.plan import Plan
    from footprints.session import SavedSession, WorkingPlan
    from footprints.store import Store
    from footprints.store.sessions import (
        create_session, load_session, open_app_plan, save_session
    )

    store, key = Store(sys.argv[1]), sys.argv[2]
    practices = [f"P{i:05d}" for i in range(3000)]
    handle = open_app_plan(store, key)
    if handle is None:
        working = WorkingPlan(Plan({p: f"N{i % 300:03d}" for i, p in enumerate(practices)}))
        saved = SavedSession(working, settings={"band_min": 28000})
        handle = create_session(store, key, saved)
    else:
        saved = load_session(handle)
    working, base = saved.working, saved.version
    print(working.pointer, flush=True)
    step = working.pointer
    while True:
        step += 1
        # Big steps, so each save takes long enough to be caught half-way.
        moved = practices[(step * 7) % 2000 : (step * 7) % 2000 + 900]
        working.move(moved, f"N{step % 300:03d}")
        saved = SavedSession(working, settings={"band_min": 28000})
        base = save_session(handle, saved, key=key, base=base).number
        print(working.pointer, flush=True)
    """
)


def test_kill_mid_save_then_restart_restores_a_complete_plan(tmp_path: Path) -> None:
    key = "killtest0123456789abcdef"
    location = tmp_path / "plans.sqlite"
    rng = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    last_saved = -1
    for _ in range(8):
        with subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(location), key],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        ) as child:
            assert child.stdout is not None
            first = child.stdout.readline()  # the plan is open (made on the first run)
            assert first.strip().isdigit()
            time.sleep(rng.uniform(0.0, 0.4))
            child.send_signal(signal.SIGKILL)
            rest = child.stdout.read().split()
        finished = [int(line) for line in [first, *rest] if line.strip()]
        # Restart: the plan opens, whole, at the last completed save or the one being
        # written when the process died (the transaction's commit is the commit point).
        with Store(location) as store:
            handle = open_app_plan(store, key)
            assert handle is not None, "the plan was lost after a kill"
            restored = load_session(handle)
            numbers = [v.number for v in handle.versions()]
            head, meta = handle.head_and_meta()
        saved_history = WorkingPlan.from_dict(meta["working"])
        assert restored.working.pointer in {finished[-1], finished[-1] + 1}
        assert len(restored.working.plan) == 3000
        assert restored.settings == {"band_min": 28000}
        # Every save was one version, the history saved with it: no version without its
        # history, no gap, nothing half-written.
        assert numbers == list(range(1, len(numbers) + 1))
        assert restored.version == numbers[-1] == head.number
        assert working_state(saved_history) == head.state
        assert restored.working.history == saved_history.history
        last_saved = max(last_saved, finished[-1])
    assert last_saved >= 1
