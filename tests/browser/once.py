"""What the walks have done once in this run, shared by the pytest-xdist workers.

A walk checks a kind of page with axe once per language (and size, or form): axe takes most of a
page's time, and the same template shows the same markup whoever opens it. The record of what was
checked is a file in the run's own temporary folder, which every xdist worker of the run shares
(a worker's own folder is inside it), so a page checked in one worker is not checked again in the
other; without xdist the folder is the process's own. A lock makes "not yet, so now" one step.
"""

import contextlib
import fcntl
import json
import os
from pathlib import Path


class Once:
    def __init__(self, path: Path):
        self.path = path

    def first_time(self, *key) -> bool:
        """Whether ``key`` comes up for the first time in this run (from now on it does not)."""
        line = json.dumps(key, sort_keys=True)
        with self.path.open("a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                if line in handle.read().splitlines():
                    return False
                handle.write(line + "\n")
                return True
            finally:
                with contextlib.suppress(OSError):
                    handle.flush()
                fcntl.flock(handle, fcntl.LOCK_UN)


def run_folder(tmp_path_factory) -> Path:
    """The temporary folder of this run: shared by its xdist workers, or the process's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
