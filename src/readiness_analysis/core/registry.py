"""Registries: ordered tables of extension points, as papermill keeps its engines.

An input format the package reads (a scan export, a QDA export) is one entry in one
registry; everything else that depends on the formats (the suffixes accepted, the files
searched for, the hints of error messages) is derived from the registry, in its order,
so that adding a format is adding one entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Mapping[str, T], Generic[T]):
    """An ordered, read-mostly table of named entries of one kind.

    Behaves as a read-only mapping (key -> entry) in registration order; entries are
    added with :meth:`register`.

    Parameters
    ----------
    kind : str
        What the entries are, for messages ("scan reader").
    entries : mapping, optional
        The first entries, in order.

    Examples
    --------
    >>> readers = Registry("reader", {".csv": "read_csv"})
    >>> readers.register(".tsv", "read_tsv")
    'read_tsv'
    >>> list(readers), readers[".tsv"]
    (['.csv', '.tsv'], 'read_tsv')
    >>> readers.register(".csv", "other")
    Traceback (most recent call last):
    ...
    ValueError: reader '.csv' is already registered
    """

    def __init__(self, kind: str, entries: Mapping[str, T] | None = None) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}
        for key, entry in (entries or {}).items():
            self.register(key, entry)

    def register(self, key: str, entry: T, *, replace: bool = False) -> T:
        """Add ``entry`` under ``key`` (at the end); return it.

        Parameters
        ----------
        key : str
            The name (or file suffix) the entry is found by.
        entry : object
            The entry.
        replace : bool, default False
            Replace an entry already registered under ``key`` (keeping its place)
            instead of raising ``ValueError``.

        Returns
        -------
        object
            ``entry``, so that ``register`` can be used on a definition.

        Examples
        --------
        >>> Registry("reader").register("x", len) is len
        True
        """
        if key in self._entries and not replace:
            raise ValueError(f"{self.kind} {key!r} is already registered")
        self._entries[key] = entry
        return entry

    def copy(self) -> Registry[T]:
        """A registry with the same entries, to extend without changing this one.

        Examples
        --------
        >>> base = Registry("reader", {"a": 1})
        >>> extended = base.copy()
        >>> _ = extended.register("b", 2)
        >>> list(base), list(extended)
        (['a'], ['a', 'b'])
        """
        return Registry(self.kind, self._entries)

    def __getitem__(self, key: str) -> T:
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {list(self._entries)!r})"

