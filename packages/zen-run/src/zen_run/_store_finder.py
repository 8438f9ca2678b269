"""Which of the project's artifact stores holds an artifact, found by its URI, safely.

A URI comes from a lineage record, so it is checked before any file system call: no ``..`` and no NUL, and it
must lie in the store a step writes to or in one of the project's other artifact stores (those its other stacks
name). Those others are opened for reading only where they exist: nothing is created outside a store because a
lineage record says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from zen_store import ArtifactNotFoundError, ArtifactStorage, StorageOption, UnsafePathError, open_artifact_store

__all__ = ["StoreFinder"]


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
        self._known_options = dict(known_options or {})
        self._others: dict[str, ArtifactStorage] = {}

    def holding(self, uri: str) -> ArtifactStorage:
        """The store holding ``uri``; raises UnsafePathError for a URI outside every store of the project and
        ArtifactNotFoundError when its store is gone."""
        path = uri.split("://", 1)[-1]
        if "\0" in uri or ".." in path.split("/"):
            raise UnsafePathError(f"artifact URI {uri!r} contains '..'; refusing to read it (was lineage altered?).")
        location = uri.rstrip("/").rsplit("/", 1)[0]
        if "/" not in uri or location == self.own.location.rstrip("/"):
            return self.own
        store = self._others.get(location)
        if store is not None:
            return store
        known = {known.rstrip("/") for known in self._known_options}
        if self._zen_dir is None or location not in known:
            raise UnsafePathError(
                f"artifact URI {uri!r} is outside every artifact store of this project's stacks; refusing to read "
                f"it. Register the stack that wrote it (`zen stack register`), or check the lineage store for "
                f"altered records."
            )
        if "://" not in location and not Path(location).is_dir():
            raise ArtifactNotFoundError(f"artifact {uri} is not there: its artifact store {location} does not exist.")
        store = open_artifact_store(location, zen_dir=self._zen_dir, options=self._known_options.get(location))
        self._others[location] = store
        return store
