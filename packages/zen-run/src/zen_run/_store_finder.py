"""Which of the project's artifact stores holds an artifact, found by its URI, safely.

A URI comes from a lineage record, so it is checked before any file system call: no ``..`` and no NUL, and it
must lie in the store a step writes to or in one of the project's other artifact stores (those its other stacks
name). Those others are opened for reading only where they exist: nothing is created outside a store because a
lineage record says so.

A local store's URIs are absolute paths, recorded where the store was when the artifact was written. When the
project folder was moved or copied since (or the store is mounted at another path), a URI under a folder the
store was opened from before (``zen_store.former_locations``) is *re-anchored*: it names the artifact of the same
name in the store where it is now. Only that name is kept, and it is confined to the store's root like any other;
the content hash is verified on reading as always. A URI under a folder none of the project's stores has been in
is refused, so another project's store is never mixed in.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import attrs

from zen_store import (
    ArtifactNotFoundError,
    ArtifactStorage,
    StorageOption,
    UnsafePathError,
    former_locations,
    open_artifact_store,
)

__all__ = ["Located", "StoreFinder"]

_RECHECK_S: Final = 10.0
"""How long a folder found to be no store's former place stays so before the stores' lists are read again."""


@attrs.frozen
class Located:
    """Where a recorded URI's artifact is now: the store holding it and its URI in that store (the recorded one,
    or the one it was re-anchored to after the store moved)."""

    store: ArtifactStorage
    uri: str


_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
"""What starts the URI of a remote store's artifact (``s3://...``); a local path may hold ``://`` further on."""


def _remote(uri: str) -> bool:
    return _SCHEME.match(uri) is not None


def _split(uri: str) -> tuple[str | None, str]:
    """A recorded URI's folder (None for a bare name) and the artifact's name, after refusing ``..`` and NUL."""
    path = uri.split("://", 1)[-1] if _remote(uri) else uri
    if "\0" in uri or ".." in path.split("/"):
        raise UnsafePathError(f"artifact URI {uri!r} contains '..'; refusing to read it (was lineage altered?).")
    if "/" not in uri:
        return None, uri
    location, name = uri.rstrip("/").rsplit("/", 1)
    return location, name


class StoreFinder:
    """The artifact store holding a URI: ``own``, or another store of the project, opened once when first needed.

    ``zen_dir`` and ``known_options`` (the storage options of the project's other artifact stores, by location)
    let it find artifacts that runs on the project's other stacks wrote; without them it finds only ``own``'s.
    """

    def __init__(
        self,
        own: ArtifactStorage,
        *,
        zen_dir: Path | None = None,
        known_options: Mapping[str, Mapping[str, StorageOption]] | None = None,
    ) -> None:
        self.own = own
        self._zen_dir = zen_dir
        self._known_options = {location.rstrip("/"): options for location, options in (known_options or {}).items()}
        self._others: dict[str, ArtifactStorage] = {}
        self._moved: dict[str, tuple[ArtifactStorage | None, float]] = {}
        """Folders seen in URIs that no store is at now: the store that was there (None: none of the project's),
        and when that was looked up (monotonic clock)."""

    def locate(self, uri: str) -> Located:
        """The store holding ``uri`` and its URI there; raises UnsafePathError for a URI outside every store of
        the project (where it is now and where it was) and ArtifactNotFoundError when its store is gone."""
        location, name = _split(uri)
        if location is None or location == self.own.location.rstrip("/"):
            return Located(self.own, uri)
        store = self._others.get(location)
        if store is not None:
            return Located(store, uri)
        if self._zen_dir is not None and location in self._known_options:
            return Located(self._other(location), uri)
        moved = None if _remote(uri) else self._moved_from(location)
        if moved is None:
            raise UnsafePathError(
                f"artifact URI {uri!r} is outside every artifact store of this project's stacks, and none of them "
                f"was ever opened from {location}; refusing to read it. Register the stack that wrote it (`zen "
                f"stack register`), or check the lineage store for altered records."
            )
        return Located(moved, f"{moved.location.rstrip('/')}/{name}")

    def own_uri(self, uri: str) -> str | None:
        """``uri`` in ``own`` (as recorded, or re-anchored when ``own`` moved since), or None when it is not one
        of ``own``'s: no other store is opened to tell. Raises UnsafePathError for a URI with ``..``."""
        location, name = _split(uri)
        own = self.own.location.rstrip("/")
        if location is None or location == own:
            return uri
        if not _remote(uri) and location not in self._known_options and self._moved_from(location) is self.own:
            return f"{own}/{name}"
        return None

    def current_uri(self, uri: str) -> str:
        """Where a recorded URI's files are now (what users are shown): as :meth:`locate` finds it, or as
        recorded when it finds none."""
        try:
            return self.locate(uri).uri
        except (UnsafePathError, ArtifactNotFoundError):
            return uri

    def _other(self, location: str) -> ArtifactStorage:
        """Another of the project's stores (named by a stack), opened for reading where it exists."""
        store = self._others.get(location)
        if store is None:
            if "://" not in location and not Path(location).is_dir():
                raise ArtifactNotFoundError(f"artifact store {location} does not exist: its artifacts are gone.")
            zen_dir = self._zen_dir or Path(location)  # only stores named by the project's stacks come here
            store = open_artifact_store(location, zen_dir=zen_dir, options=self._known_options.get(location))
            self._others[location] = store
        return store

    def _moved_from(self, location: str) -> ArtifactStorage | None:
        """The project's local store that was once at ``location`` (its own first), or None. A store found is
        remembered; a folder no store was in is asked again only after a while (another host may open the store
        there meanwhile), so a lineage store full of foreign records does not list the stores once per URI."""
        now = time.monotonic()
        cached = self._moved.get(location)
        if cached is not None and (cached[0] is not None or now - cached[1] < _RECHECK_S):
            return cached[0]
        found: ArtifactStorage | None = None
        if location in former_locations(self.own):
            found = self.own
        elif self._zen_dir is not None:
            own = self.own.location.rstrip("/")
            for known in self._known_options:
                if "://" in known or known == own or not Path(known).is_dir():
                    continue
                if location in former_locations(store := self._other(known)):
                    found = store
                    break
        self._moved[location] = (found, now)
        return found
