"""Imports made when a name is first used, not when its importer is imported.

A command that maps a cached graph in and asks about one model needs a few modules, not
the loaders and builders a package's ``__init__`` would otherwise import with it. Each
package lists where its public names live (:func:`lazy_exports`); type checkers read the
same names from the package's ``if TYPE_CHECKING:`` imports.

``pyarrow.compute`` builds a Python wrapper for each of its ~300 kernels when imported
(about 50 ms, a sixth of a one-model command), and a command on a cached graph often calls
none of them: modules take it as ``pc = lazy_module("pyarrow.compute")``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports", "lazy_module"]


def lazy_exports(package: str, modules: Mapping[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``modules`` maps each submodule (relative
    name) to the public names it holds."""
    where = {name: f"{package}.{module}" for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(where[name]), name)

    return __getattr__


class _ModuleOnFirstUse:
    """Stands for a module and imports it when one of its attributes is first read; each
    attribute read is then kept, so later reads cost what a module attribute does."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        value = getattr(import_module(self._name), attr)
        setattr(self, attr, value)
        return value

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"


def lazy_module(name: str) -> Any:
    """The module ``name``, imported when one of its attributes is first read."""
    return _ModuleOnFirstUse(name)
