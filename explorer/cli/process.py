"""Process set-up and exit for a command that allocates and frees large arrays.

glibc gives every allocation over its threshold (128 kB, growing to at most 32 MB) fresh
pages from the kernel and hands them back when it is freed, so the next array of that size
is page-faulted in again, one zeroed 4 kB page at a time. A whole-Hub report allocates and
frees arrays of tens of MB by the dozen: serving them from the heap and keeping freed memory
for reuse saves about a quarter of its page faults (measured in ``bench/RESULTS.md``). The
memory is kept in one arena: with glibc's default of an arena per thread, what the loader's
threads free stays in their arenas and the graph, built on the main thread, faults in fresh
pages again.

At exit, tearing the interpreter down frees those arrays one by one before the kernel
drops the whole address space anyway: a command can skip that part. The interpreter's exit
runs in this order: wait for threads (and shut thread pools down), run the ``atexit``
handlers, last registered first, then tear down. A handler registered before anything else
(:func:`skip_teardown_at_exit`) therefore runs after every other handler, and once
:func:`exit_quickly` has armed it, it ends the process there, skipping only the teardown.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import sys
from typing import NoReturn

__all__ = ["exit_quickly", "keep_freed_memory", "skip_teardown_at_exit"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
_USER_SETTINGS = (
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_ARENA_MAX",
    "GLIBC_TUNABLES",
)


def keep_freed_memory() -> bool:
    """Serve arrays up to 32 MB from glibc's heap and keep freed memory for reuse, by every
    thread (one arena). Call it before starting threads.

    Does nothing when the user set glibc's malloc settings or the C library is not glibc.
    Returns whether the settings were made.
    """
    if any(k in os.environ for k in _USER_SETTINGS):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # no C library to open, or not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, 32 * 2**20)
        and mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)
        and mallopt(_M_ARENA_MAX, 1)
    )


class _QuickExit:
    """The exit code to end with once every other exit handler has run (None: exit normally)."""

    code: int | None = None
    registered = False


def skip_teardown_at_exit() -> None:
    """Register the handler that ends the process after the other ``atexit`` handlers.

    Call it first, before importing what registers handlers of its own: handlers registered
    earlier than this one would run after it, that is, not at all once it is armed.
    """
    if not _QuickExit.registered:
        atexit.register(_end_without_teardown)
        _QuickExit.registered = True


def _end_without_teardown() -> None:
    code = _QuickExit.code
    if code is None:
        return
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to say more
            stream.flush()
    os._exit(code)


def exit_quickly(code: int) -> NoReturn:
    """End the process as the interpreter would, without freeing every object first.

    Everything a normal exit does still happens, by the interpreter itself: threads still
    running (a graph being written to the cache) are waited for, thread pools shut down,
    ``atexit`` handlers run, stdout and stderr flushed. Only the teardown that follows is
    skipped, and only when :func:`skip_teardown_at_exit` ran first; otherwise this is
    ``sys.exit(code)``.
    """
    if _QuickExit.registered:
        _QuickExit.code = code
    sys.exit(code)
