"""The ``hf-lineage`` console script: process settings first, then the command.

Three settings must be in the environment before numpy and Arrow are imported, so they are
made here, in a module that imports neither, and only when the command runs (importing the
CLI or the library changes nothing). A user's own value of each always wins.
"""

from __future__ import annotations

import os
from typing import NoReturn

__all__ = ["COMMAND_ENVIRONMENT", "run"]

#: Settings of the command's process; each is set only when the user has not set it.
COMMAND_ENVIRONMENT: dict[str, str] = {
    # No command uses BLAS: without this, numpy's import starts an OpenBLAS worker thread
    # that spins for a while, taking CPU from Arrow's decoding threads on small machines.
    "OPENBLAS_NUM_THREADS": "1",
    # A command lives for seconds and touches each array once: numpy's transparent-huge-page
    # advice makes the kernel zero (and, on a fragmented or virtualised host, compact) 2 MB
    # at every first touch, which costs more than it saves here (bench/RESULTS.md).
    "NUMPY_MADVISE_HUGEPAGE": "0",
    # Arrow's allocator (mimalloc) hands freed memory back to the kernel after 10 ms, and a
    # command that decodes row group after row group then page-faults (and the kernel
    # zeroes) the same amount again for the next one; a second's delay keeps it for reuse.
    "MIMALLOC_PURGE_DELAY": "1000",
}


def run() -> NoReturn:
    """Set the command's process defaults, then run the command and exit."""
    from hflineage.explorer.cli.process import skip_teardown_at_exit

    skip_teardown_at_exit()  # first: it must be the earliest exit handler
    for name, value in COMMAND_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    from hflineage.explorer.cli.main import run as run_command

    run_command()
