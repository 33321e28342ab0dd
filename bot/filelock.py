"""An exclusive file lock (flock) waited for until a deadline; the system drops it with the process."""

from __future__ import annotations

import fcntl
import time
from typing import IO, Any


def flock_within(handle: IO[Any] | int, wait: float, poll: float) -> bool:
    """Take the lock on an open file, trying every `poll` seconds; False when `wait` seconds pass first."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(poll)
