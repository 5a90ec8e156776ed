"""Child processes die with their parent.

A process that kbase starts for its own work (the import's parsing process) must not outlive the
process that wanted it: killed with SIGKILL, the parent runs no clean-up, and the child would go
on holding the file open, parented to PID 1, with multiprocessing's resource tracker beside it.
"""

from __future__ import annotations

import os
import signal
import threading
import time

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int, *, check_every: float = 0.5) -> None:
    """Call first thing in a child: it is killed when *parent_pid* ends.

    Linux: the kernel sends SIGKILL when the parent ends (prctl PR_SET_PDEATHSIG).  Everywhere, and
    for a parent that ended before the prctl: a daemon thread checks that the parent is still the
    same and ends this process when it is not.
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the watching thread alone
    if os.getppid() != parent_pid:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(check_every)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="kbase-lifeline", daemon=True).start()
