"""A process killed mid-save, and saves racing from one base: the store stays whole.

As tests/test_session_kill.py does for the autosave file, now on the store: a child saves
ever-changing versions as fast as it can and is killed at a random moment; on reopening,
every version it reported committed is there and whole, no version is partial, the numbers
run 1…head without a gap, and the head is the last reported save or the one in flight.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from footprints.plan import Plan, PlanState
from footprints.store import ConflictError, Store

# The state of version `number`: big enough (3,000 practices) that a save takes a while.
_STATE = textwrap.dedent(
    """
    from footprints.plan import Plan, PlanState

    def state_of(number):
        practices = [f"P{i:05d}" for i in range(3000)]
        shift = number * 7
        plan = Plan(
            {p: f"N{(i + shift) % 300:03d}" for i, p in enumerate(practices)},
            {f"N{n:03d}": f"Network {n} of version {number}" for n in range(300)},
        )
        locks = frozenset(f"N{n:03d}" for n in range(number % 5))
        return PlanState(plan, locks, {"N000": f"reason {number}"})
    """
)

_SAVER = _STATE + textwrap.dedent(
    """
    import sys
    from footprints.store import Store

    store = Store(sys.argv[1])
    handle = store.open("kill test")
    while True:
        head = handle.head_number()
        info = handle.save(state_of(head + 1), base=head, label=f"step {head + 1}")
        print(info.number, flush=True)
    """
)


def _state_of(number: int) -> PlanState:
    namespace: dict[str, object] = {}
    exec(_STATE, namespace)
    state = namespace["state_of"](number)  # type: ignore[operator]
    assert isinstance(state, PlanState)
    return state


def test_a_kill_mid_save_leaves_every_committed_version_whole_and_no_partial_one(
    store_url: str,
) -> None:
    with Store(store_url) as store:
        store.create("kill test", _state_of(1))
    rng = random.Random(11)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    reported, checked = 1, 0
    for _ in range(6):
        with subprocess.Popen(
            [sys.executable, "-c", _SAVER, store_url],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        ) as child:
            assert child.stdout is not None
            first = child.stdout.readline()  # at least one save has committed
            assert first.strip().isdigit(), first
            time.sleep(rng.uniform(0.0, 0.4))
            child.send_signal(signal.SIGKILL)
            rest = child.stdout.read().split()
        committed = [int(line) for line in [first, *rest] if line.strip()]
        reported = max(reported, committed[-1])
        with Store(store_url) as store:
            handle = store.open("kill test")
            versions = handle.versions()
            head = handle.head_number()
            # the commit is the point of no return: the head is the last reported save, or
            # the one whose commit landed just before the kill
            assert head in {committed[-1], committed[-1] + 1}
            assert [v.number for v in versions] == list(range(1, head + 1))
            for info in versions[checked:]:  # each version is checked once, when new
                version = handle.version(info.number)
                assert version.state == _state_of(info.number), f"version {info.number}"
                assert (info.practices, info.networks) == (3000, 300)
                assert info.label == ("created" if info.number == 1 else f"step {info.number}")
            checked = head
    assert reported >= 6, reported
    with Store(store_url) as store:  # and the later kills broke none of the earlier versions
        handle = store.open("kill test")
        for number in range(1, checked + 1):
            assert handle.version(number).state == _state_of(number), f"version {number}"


def test_of_saves_racing_from_one_base_exactly_one_wins(store_url: str) -> None:
    with Store(store_url) as store:
        store.create("race", Plan({"A": "N1", "B": "N2"}))
    editors = 6
    barrier = threading.Barrier(editors)
    outcomes: list[str] = []
    lock = threading.Lock()

    def edit(number: int) -> None:
        with Store(store_url) as mine:
            handle = mine.open("race")
            barrier.wait()
            try:
                handle.save(Plan({"A": f"E{number}", "B": "N2"}), base=1, author=f"e{number}")
                result = "saved"
            except ConflictError as error:
                assert error.theirs.number == 2 and error.base.number == 1
                result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * (editors - 1) + ["saved"]
    with Store(store_url) as store:
        handle = store.open("race")
        assert handle.head_number() == 2
        winner = handle.version(2)
        assert winner.plan.assignment["A"] == f"E{winner.info.author.removeprefix('e')}"  # type: ignore[union-attr]
