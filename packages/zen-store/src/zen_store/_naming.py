"""Artifact names and versions, the same in every lineage back-end.

Every artifact a step run records has a name - ``<pipeline>.<slot>.<output>`` unless its step gave one with
``ArtifactName`` - and a version: 1 for the first artifact of that name, then one more for each next one, never
reused (deleting a run does not give its versions out again). People write ``name`` for the latest version and
``name:version`` for a given one.
"""

from __future__ import annotations

import re
from typing import Final

from zen_store._records import FinishedStep
from zen_store.errors import ArtifactNotFoundError

__all__ = ["default_artifact_name", "no_such_name", "require_reused", "several_artifacts", "split_label"]

_LABEL: Final = re.compile(r"(?P<name>.+):(?P<version>[0-9]{1,9})")


def default_artifact_name(pipeline_name: str, step_name: str, output_name: str) -> str:
    """The name of an output its step did not name: ``<pipeline>.<slot>.<output>``."""
    return f"{pipeline_name}.{step_name}.{output_name}"


def split_label(key: str) -> tuple[str, int] | None:
    """``("iris_model", 3)`` for ``"iris_model:3"``; None when ``key`` has no ``:VERSION`` suffix."""
    found = _LABEL.fullmatch(key)
    if found is None:
        return None
    return found["name"], int(found["version"])


def no_such_name(name: str, version: int | None, latest: int | None) -> str:
    """The sentence for a name (or a version of it) that no artifact has; ``latest``: its latest version, if any."""
    if latest is None:
        return f"no artifact named {name!r}. List artifacts and their names with `zen artifacts list`."
    return (
        f"artifact {name!r} has no version {version} (its latest is {latest}; deleted runs take their versions "
        f"with them). List its versions with `zen artifacts list --name {name}`."
    )


def require_reused(step: FinishedStep, ids: list[str], found: set[str]) -> None:
    """Refuse to record a cached step whose reused artifacts (``ids``; ``found``: those still recorded) were deleted
    with their run meanwhile: nothing of it is recorded, and the runner computes the step instead."""
    gone = sorted(set(ids) - found)
    if gone:
        raise ArtifactNotFoundError(
            f"step {step.step_name!r} was to reuse artifact(s) {', '.join(gone)}, deleted with their run meanwhile; "
            f"nothing of the step was recorded."
        )


def several_artifacts(key: str, *, shared_uri: bool) -> str:
    """The sentence for a key that names more than one artifact: an id prefix, or a stored copy several share."""
    if shared_uri:
        return (
            f"several artifacts share the stored copy {key!r} (identical content is stored once); give an artifact "
            f"id or NAME:VERSION instead. List them with `zen artifacts list`."
        )
    return f"artifact prefix {key!r} matches several artifacts; give more characters."
