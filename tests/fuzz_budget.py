"""``make fuzz``: a time budget for the Hypothesis tests of the run, and a summary at the end.

Loaded with ``-p tests.fuzz_budget`` together with ``--hypothesis-profile=fuzz`` (see the
Makefile). ``FUZZ_MINUTES`` (the whole run's budget) is shared out among the Hypothesis tests
collected: the state machines (``tests/model``) share a third, the other fuzzers share the
rest equally. Each test generates new examples until its share is spent (the "fuzz" profile's
``max_examples``, ``FUZZ_EXAMPLES``, is only a ceiling), then shrinks what failed as usual, so a
test that fails takes longer than its share. ``FUZZ_MINUTES=0`` leaves only ``FUZZ_EXAMPLES``.

Hypothesis has no time budget of its own: this wraps its engine's ``should_generate_more``
(internal; if a new Hypothesis version renames it, the run says so and counts examples only).
The summary names the seed (``--hypothesis-seed``, to repeat the run), the examples each test
tried and how long it took, and the tests that failed; pytest's exit status is non-zero then.
"""

import os
import time

import pytest

MACHINE_SHARE = 1 / 3

_now = {"item": None, "deadline": None}
_tried: dict[str, dict] = {}
_patched = {"ok": False}


def _is_machine(item) -> bool:
    return "tests/model/" in item.nodeid and "state_machine" in item.nodeid


def _is_fuzzed(item) -> bool:
    return _is_machine(item) or getattr(getattr(item, "obj", None), "is_hypothesis_test", False)


def _budget_seconds() -> float:
    return float(os.environ.get("FUZZ_MINUTES", "20")) * 60


def pytest_configure(config):
    try:
        from hypothesis.internal.conjecture.engine import ConjectureRunner
    except ImportError:  # pragma: no cover - a Hypothesis without this engine
        return
    should_generate_more = getattr(ConjectureRunner, "should_generate_more", None)
    run = getattr(ConjectureRunner, "run", None)
    if should_generate_more is None or run is None:  # pragma: no cover
        return

    def generate_while_time_is_left(self):
        deadline = _now["deadline"]
        if deadline is not None and self.valid_test_cases > 0 and time.monotonic() > deadline:
            return False
        return should_generate_more(self)

    def run_and_count(self):
        try:
            return run(self)
        finally:
            item = _now["item"]
            if item is not None:
                counts = _tried.setdefault(item.nodeid, {"examples": 0, "valid": 0, "seconds": 0})
                counts["examples"] += self.call_count
                counts["valid"] += self.valid_test_cases

    ConjectureRunner.should_generate_more = generate_while_time_is_left
    ConjectureRunner.run = run_and_count
    _patched["ok"] = True


def pytest_collection_modifyitems(session, config, items):
    fuzzed = [item for item in items if _is_fuzzed(item)]
    budget = _budget_seconds()
    machines = [item for item in fuzzed if _is_machine(item)]
    others = [item for item in fuzzed if not _is_machine(item)]
    machine_part = budget * MACHINE_SHARE if machines and others else budget if machines else 0
    for item in machines:
        item.fuzz_seconds = machine_part / len(machines)
    for item in others:
        item.fuzz_seconds = (budget - machine_part) / len(others)


def pytest_runtest_setup(item):
    _now["item"] = None
    _now["deadline"] = None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    # Runs before the test itself (its fixtures are set up by now: not counted).
    if not _is_fuzzed(item):
        return
    seconds = getattr(item, "fuzz_seconds", None)
    _now["item"] = item
    _now["started"] = time.monotonic()
    _now["deadline"] = time.monotonic() + seconds if seconds and seconds > 0 else None


def pytest_runtest_teardown(item):
    if _now["item"] is item:
        counts = _tried.setdefault(item.nodeid, {"examples": 0, "valid": 0, "seconds": 0})
        counts["seconds"] += time.monotonic() - _now["started"]
    _now["item"] = None
    _now["deadline"] = None


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    write = terminalreporter.write_line
    terminalreporter.section("fuzz")
    seed = config.getoption("hypothesis_seed", None)
    minutes = _budget_seconds() / 60
    write(f"fuzz: seed {seed} (repeat the run with: make fuzz FUZZ_SEED={seed})")
    if not _patched["ok"]:
        write("fuzz: this Hypothesis has no engine hook: no time budget, FUZZ_EXAMPLES only")
    total = sum(counts["examples"] for counts in _tried.values())
    seconds = sum(counts["seconds"] for counts in _tried.values())
    write(
        f"fuzz: {total} examples tried in {len(_tried)} tests, {seconds / 60:.1f} minutes "
        f"(budget {minutes:g} minutes)"
    )
    for nodeid, counts in sorted(_tried.items(), key=lambda pair: -pair[1]["examples"]):
        write(
            f"fuzz: {counts['examples']:>7} examples ({counts['valid']} valid) "
            f"{counts['seconds']:>7.1f} s  {nodeid}"
        )
    failed = [report.nodeid for report in terminalreporter.stats.get("failed", [])]
    errors = [report.nodeid for report in terminalreporter.stats.get("error", [])]
    if failed or errors:
        write(f"fuzz: FAILED {len(failed) + len(errors)}: " + ", ".join(failed + errors))
    else:
        write("fuzz: no failures")
