"""Crash-safe storage of a crawl in progress: parts, checkpoint, final snapshot, manifest.

Beside the output ``<out>`` the crawler keeps these files while it runs:

- ``<out>.parts.gz``: one line per model kept, ``<depth>\\t<model_id>\\t<API JSON>``; every
  page is appended as one gzip member (a multi-member gzip stream) and fsynced;
- ``<out>.checkpoint.json``: the crawl's identity, the next URL and how many bytes of the parts
  file are committed, replaced atomically after the parts are on disk;
- ``<out>.lock``: held while a process crawls into ``<out>``.

A kill at any moment leaves the parts file at least as long as the checkpoint says; a rerun
truncates it back to the committed length (a gzip member boundary) and refetches the page that
was not checkpointed. The snapshot and its manifest are written to temp files and renamed into
place; the checkpoint and parts are removed only after that.
"""

from __future__ import annotations

import contextlib
import glob
import gzip
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from hflineage.errors import InputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, one crawl at a time
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "CHECKPOINT_VERSION",
    "CrawlStore",
    "PartLine",
    "atomic_write",
    "dump_model",
    "snapshot_format",
]

CHECKPOINT_VERSION = 1
_FORMATS = {".jsonl.gz": "jsonl.gz", ".parquet": "parquet"}


def snapshot_format(path: Path) -> str:
    """Return ``"jsonl.gz"`` or ``"parquet"`` from the extension of ``path``.

    >>> snapshot_format(Path("hub.jsonl.gz"))
    'jsonl.gz'

    Raises:
        InputError: any other extension.
    """
    name = path.name.lower()
    for suffix, fmt in _FORMATS.items():
        if name.endswith(suffix):
            return fmt
    raise InputError(
        f"output {str(path)!r}: unknown snapshot format; name it *.jsonl.gz or *.parquet",
        path=str(path),
    )


def dump_model(model: Any) -> str:
    """Serialise one API model object as one compact JSON line (key order kept)."""
    return json.dumps(model, ensure_ascii=False, separators=(",", ":"))


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temp file beside ``path``; on success fsync it and rename it over ``path``.

    The temp file gets the usual permissions (0666 minus the umask), unlike ``mkstemp``'s 0600.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class PartLine:
    """One kept model in the parts file."""

    depth: int
    model_id: str
    json_text: str


class CrawlStore:
    """The files of one crawl: ``<out>``, parts, checkpoint, lock and manifest."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.format = snapshot_format(out)
        self.parts = out.with_name(out.name + ".parts.gz")
        self.checkpoint = out.with_name(out.name + ".checkpoint.json")
        self.manifest = out.with_name(out.name + ".manifest.json")
        self.lock_path = out.with_name(out.name + ".lock")
        self._lock: IO[bytes] | None = None
        if not out.parent.is_dir():
            raise InputError(
                f"output folder {str(out.parent)!r} does not exist; create it first",
                path=str(out),
            )

    # -- lock ---------------------------------------------------------------------------------

    def lock(self) -> None:
        """Take an exclusive lock on ``<out>.lock``, so two crawls never share one output.

        Raises:
            InputError: another process is crawling into the same output.
        """
        fh = open(self.lock_path, "a+b")  # noqa: SIM115 (held until unlock)
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                fh.close()
                raise InputError(
                    f"another crawl is writing {str(self.out)!r} (it holds {self.lock_path.name}); "
                    "wait for it to finish or stop it",
                    path=str(self.out),
                ) from exc
        self._lock = fh

    def unlock(self) -> None:
        """Release the lock taken by :meth:`lock` (the file stays until :meth:`clean_up`)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def remove_stale_temps(self) -> None:
        """Delete temp files that a killed run left beside the output (call under the lock)."""
        for target in (self.out, self.checkpoint, self.manifest):
            for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
                with contextlib.suppress(OSError):
                    tmp.unlink()

    # -- checkpoint ---------------------------------------------------------------------------

    def load_checkpoint(self) -> dict[str, Any] | None:
        """Return the saved checkpoint, or ``None`` when no crawl is in progress."""
        try:
            text = self.checkpoint.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            state = json.loads(text)
        except ValueError as exc:
            raise InputError(
                f"checkpoint {str(self.checkpoint)!r} is not valid JSON; delete it (and "
                f"{self.parts.name}) to start the crawl over",
                path=str(self.checkpoint),
            ) from exc
        if not isinstance(state, dict) or state.get("version") != CHECKPOINT_VERSION:
            raise InputError(
                f"checkpoint {str(self.checkpoint)!r} was written by another version; delete it "
                f"(and {self.parts.name}) to start the crawl over",
                path=str(self.checkpoint),
            )
        return state

    def save_checkpoint(self, state: dict[str, Any]) -> None:
        """Replace the checkpoint atomically (temp file, fsync, rename)."""
        with atomic_write(self.checkpoint, "w") as fh:
            json.dump(state, fh, ensure_ascii=False, indent=1, sort_keys=True)

    # -- parts --------------------------------------------------------------------------------

    def reset_parts(self) -> None:
        """Start an empty parts file (a fresh crawl)."""
        with open(self.parts, "wb") as fh:
            os.fsync(fh.fileno())

    def truncate_parts(self, committed: int) -> None:
        """Cut the parts file back to the ``committed`` bytes the checkpoint vouches for.

        Raises:
            InputError: the parts file is missing or shorter than the checkpoint says.
        """
        try:
            size = self.parts.stat().st_size
        except FileNotFoundError:
            size = -1
        if size < committed:
            raise InputError(
                f"{str(self.parts)!r} is missing or shorter than its checkpoint says "
                f"({max(size, 0)} < {committed} bytes); "
                f"delete {self.checkpoint.name} to start over",
                path=str(self.parts),
            )
        if size > committed:
            with open(self.parts, "r+b") as fh:
                fh.truncate(committed)
                os.fsync(fh.fileno())

    def append_parts(self, lines: list[PartLine]) -> int:
        """Append ``lines`` as one gzip member, fsync, and return the new committed length."""
        payload = "".join(f"{p.depth}\t{p.model_id}\t{p.json_text}\n" for p in lines)
        member = gzip.compress(payload.encode("utf-8"), compresslevel=6, mtime=0)
        with open(self.parts, "ab") as fh:
            fh.write(member)
            fh.flush()
            os.fsync(fh.fileno())
            return fh.tell()

    def iter_parts(self, *, with_json: bool = True) -> Iterator[PartLine]:
        """Yield the parts in the order they were written."""
        with gzip.open(self.parts, "rt", encoding="utf-8", newline="\n") as fh:
            for line in fh:
                depth, model_id, rest = line.rstrip("\n").split("\t", 2)
                yield PartLine(int(depth), model_id, rest if with_json else "")

    # -- final files --------------------------------------------------------------------------

    def write_snapshot(self) -> dict[str, int]:
        """Write ``<out>`` from the parts, atomically and byte-for-byte reproducibly.

        Returns:
            For parquet, the safetensors dtypes left out for want of a column, with counts.
        """
        if self.format == "parquet":
            from hflineage.loaders.hub.parquet import write_parquet

            with atomic_write(self.out) as fh:
                dropped: dict[str, int] = write_parquet(
                    (json.loads(p.json_text) for p in self.iter_parts()), fh
                )
            return dropped
        # mtime=0 and no file name in the gzip header: the same crawl gives the same bytes.
        with (
            atomic_write(self.out) as fh,
            gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=6) as gz,
        ):
            chunk: list[str] = []
            for part in self.iter_parts():
                chunk.append(part.json_text)
                if len(chunk) >= 1000:
                    gz.write(("\n".join(chunk) + "\n").encode("utf-8"))
                    chunk = []
            if chunk:
                gz.write(("\n".join(chunk) + "\n").encode("utf-8"))
        return {}

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``<out>.manifest.json`` atomically."""
        with atomic_write(self.manifest, "w") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=2)
            fh.write("\n")

    def clean_up(self) -> None:
        """Remove the checkpoint, then the parts (in that order, so a kill here is harmless)."""
        for path in (self.checkpoint, self.parts, self.lock_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        _fsync_dir(self.out.parent)
