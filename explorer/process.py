"""glibc's allocator set up for a command that allocates and frees large arrays.

glibc gives every allocation over its threshold (128 kB, growing to at most 32 MB) fresh
pages from the kernel and hands them back when it is freed, so the next array of that size
is page-faulted in again, one zeroed 4 kB page at a time. A whole-Hub report allocates and
frees arrays of tens of MB by the dozen: serving them from the heap and keeping freed memory
for reuse saves about a quarter of its page faults (measured in ``bench/RESULTS.md``).
"""

from __future__ import annotations

import ctypes
import os

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")


def keep_freed_memory() -> bool:
    """Serve arrays up to 32 MB from glibc's heap and keep freed memory for reuse.

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
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 * 2**20) and mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
