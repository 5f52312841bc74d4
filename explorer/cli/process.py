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
drops the whole address space anyway: a command can skip that part (:func:`exit_quickly`).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import sys
import threading
from typing import NoReturn

__all__ = ["exit_quickly", "keep_freed_memory"]

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


def exit_quickly(code: int) -> NoReturn:
    """End the process as the interpreter would, without freeing every object first.

    Does what a normal exit does up to the interpreter's teardown: waits for the threads
    still running (a graph being written to the cache) and for thread pools, runs the
    ``atexit`` handlers and flushes stdout and stderr; then ends the process. Where the
    interpreter's thread shutdown is not available, exits the ordinary way.
    """
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is None:
        sys.exit(code)
    shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to say more
            stream.flush()
    os._exit(code)
