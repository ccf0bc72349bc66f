"""How much memory a worker and the processes it started hold, read from Linux's ``/proc``.

Lambda counts everything in a function's sandbox against ``MemorySize`` (a memory cgroup).
headrace cannot make cgroups everywhere it runs (they need root or a delegated hierarchy,
and a container's own cgroup belongs to whoever started it), so it measures instead:

- the worker counts its whole resident set (``statm``'s resident pages: its heap, the
  interpreter and the libraries it mapped), as the sandbox would;
- every descendant (found through ``/proc/PID/task/TID/children``) counts its anonymous
  resident memory (resident minus file-backed and shared pages), so the interpreter or
  libraries a child shares with the worker are not counted twice. A forked child's
  copy-on-write heap still counts again: an overestimate, never an underestimate.

Processes that left the tree (double-forked daemons re-parented to init) are not counted.
Reading costs two small ``/proc`` reads per process; on systems without ``/proc`` (macOS)
nothing can be measured and :func:`tree_memory` returns None.
"""

from __future__ import annotations

import os

# Bytes per page, for statm's page counts.
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# At most this many processes are read per measurement: a handler's fork bomb must not
# stall headrace's event loop (the worker is then over any limit long before).
MAX_PROCESSES = 256


def tree_memory(pid: int) -> int | None:
    """Bytes held by process ``pid`` and its descendants; None if ``pid`` cannot be read."""
    own = _statm(pid)
    if own is None:
        return None
    resident, _shared = own
    total = resident
    pending = _children(pid)
    seen = 1
    while pending and seen < MAX_PROCESSES:
        child = pending.pop()
        seen += 1
        child_pages = _statm(child)
        if child_pages is not None:
            total += child_pages[0] - child_pages[1]
            pending.extend(_children(child))
    return total * PAGE_SIZE


def _statm(pid: int) -> tuple[int, int] | None:
    """(resident pages, shared pages) of ``pid``, or None if it is gone or unreadable."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            fields = statm.read().split()
    except OSError:
        return None
    return int(fields[1]), int(fields[2])


def _children(pid: int) -> list[int]:
    """The children of every thread of ``pid`` (empty without CONFIG_PROC_CHILDREN)."""
    found: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in threads:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as children:
                found.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return found
