"""Stacks: where a pipeline's steps run (orchestrator), store data (artifact store) and metadata (lineage store).

A stack is named and kept in the project's configuration (``.zen/config.json``); one stack is active. The
``default`` stack needs no set-up: the in-process orchestrator, ``.zen/artifacts`` and ``.zen/lineage.db``.
Store locations are paths relative to the project root, absolute paths, or URLs (``s3://bucket/prefix``, or
any fsspec URL, with storage options; ``postgresql://user@host:port/dbname`` for a shared lineage store);
credentials never go into the configuration, only the environment (or ``~/.pgpass``).
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qs, urlsplit

import attrs

from zen_run._orchestrators import orchestrators
from zen_run._project import Project
from zen_run.errors import StackError
from zen_store import StorageOption, is_postgres_url

if TYPE_CHECKING:
    import cattrs

__all__ = ["DEFAULT_STACK", "Stack", "StackRegistry"]


@attrs.frozen(kw_only=True)
class Stack:
    """A named combination of orchestrator, artifact store and lineage store."""

    name: str
    orchestrator: str = "local"
    artifact_store: str = ".zen/artifacts"
    lineage_store: str = ".zen/lineage.db"
    options: dict[str, str] = attrs.field(factory=dict)
    """Orchestrator options, e.g. ``{"address": "tcp://127.0.0.1:8786"}`` for dask."""
    artifact_options: dict[str, str] = attrs.field(factory=dict)
    """fsspec storage options of a remote artifact store, e.g. ``{"endpoint_url": "http://127.0.0.1:9000"}``."""

    def __attrs_post_init__(self) -> None:
        if not self.name or not self.name.replace("-", "").replace("_", "").isalnum():
            raise StackError(f"stack name {self.name!r}: use letters, digits, '-' and '_'.")
        if self.orchestrator not in orchestrators:
            raise StackError(
                f"stack {self.name!r}: unknown orchestrator {self.orchestrator!r} (known: "
                f"{', '.join(orchestrators.names())})."
            )
        secret = sorted(k for k in self.artifact_options if any(word in k.lower() for word in _SECRET_WORDS))
        if secret:
            raise StackError(
                f"stack {self.name!r}: artifact option(s) {', '.join(secret)} would store credentials in "
                f".zen/config.json. Give them through the environment instead (for S3: AWS_ACCESS_KEY_ID, "
                f"AWS_SECRET_ACCESS_KEY, or AWS_PROFILE / the option profile=NAME)."
            )
        if is_postgres_url(self.lineage_store) and _url_password(self.lineage_store):
            raise StackError(
                f"stack {self.name!r}: the lineage store URL holds a password, which would be stored in "
                f".zen/config.json. Register the URL without it and give the password through PGPASSWORD or "
                f"~/.pgpass (host:port:database:user:password; `zen stack register` moves a password given in the "
                f"URL there)."
            )
        if self.artifact_options and "://" not in self.artifact_store:
            raise StackError(
                f"stack {self.name!r}: artifact options apply to remote stores (s3://bucket/prefix, or another "
                f"fsspec URL); {self.artifact_store!r} is a local folder."
            )

    def storage_options(self) -> dict[str, StorageOption]:
        """The artifact options as fsspec expects them: ``true``/``false`` as booleans, integers as numbers."""
        return {key: _option_value(value) for key, value in self.artifact_options.items()}

    def artifact_location(self, project: Project) -> str:
        """The artifact store location: an absolute path, or the URL as given."""
        return _resolve(self.artifact_store, project)

    def lineage_location(self, project: Project) -> str:
        """The lineage database: a SQLite file's absolute path, or the PostgreSQL URL as given."""
        return _resolve(self.lineage_store, project)


def _url_password(url: str) -> bool:
    """True when a PostgreSQL URL carries a password (in its user part or as a ``password`` parameter)."""
    parts = urlsplit(url)
    return bool(parts.password) or "password" in parse_qs(parts.query)


_SECRET_WORDS: Final = ("secret", "password", "token", "key")
"""Option names that hold credentials (``key`` is s3fs's access key id; ``endpoint_url`` etc. are fine)."""


def _option_value(text: str) -> StorageOption:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if text.isascii() and text.isdigit():
        return int(text)
    return text


def _resolve(location: str, project: Project) -> str:
    if "://" in location:
        return location
    path = Path(location).expanduser()
    return str(path if path.is_absolute() else project.root / path)


DEFAULT_STACK: Final = Stack(name="default")


@attrs.frozen(kw_only=True)
class _ProjectConfig:
    active_stack: str = "default"
    stacks: dict[str, Stack] = attrs.field(factory=dict)


@functools.cache
def _converter() -> cattrs.Converter:
    """The converter of the configuration file, made when a project has one (cattrs is slow to import)."""
    import cattrs

    return cattrs.Converter(forbid_extra_keys=True)


class StackRegistry:
    """The stacks of one project, read from and written to its configuration file."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def _load(self) -> _ProjectConfig:
        path = self.project.config_path
        if not path.exists():
            return _ProjectConfig()
        import cattrs

        try:
            return _converter().structure(json.loads(path.read_text()), _ProjectConfig)
        except (ValueError, TypeError, cattrs.BaseValidationError) as exc:
            raise StackError(
                f"{path} is not a valid zen project configuration ({exc}). Fix or delete it "
                f"(deleting it resets the stacks to the default one; stored runs are not affected)."
            ) from exc

    def _save(self, config: _ProjectConfig) -> None:
        self.project.ensure()
        path = self.project.config_path
        data = json.dumps(_converter().unstructure(config), indent=2, sort_keys=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".json")
        with os.fdopen(fd, "w") as handle:
            handle.write(data + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)

    def list(self) -> list[Stack]:
        """Every stack, the default one first."""
        stacks = self._load().stacks
        return [stacks.get("default", DEFAULT_STACK), *(s for n, s in sorted(stacks.items()) if n != "default")]

    def get(self, name: str) -> Stack:
        """The stack called ``name``."""
        for stack in self.list():
            if stack.name == name:
                return stack
        known = ", ".join(s.name for s in self.list())
        raise StackError(f"no stack named {name!r} (known: {known}). Register it with `zen stack register {name}`.")

    @property
    def active_name(self) -> str:
        """The name of the active stack (``$ZEN_STACK`` overrides the project's choice)."""
        return os.environ.get("ZEN_STACK") or self._load().active_stack

    def active(self) -> Stack:
        """The active stack."""
        return self.get(self.active_name)

    def register(self, stack: Stack, *, replace: bool = False) -> Stack:
        """Add ``stack`` to the project (``replace=True`` to overwrite one of the same name)."""
        config = self._load()
        if stack.name in config.stacks and not replace:
            raise StackError(f"a stack named {stack.name!r} exists; pass replace=True (CLI: --replace) to overwrite.")
        self._save(attrs.evolve(config, stacks={**config.stacks, stack.name: stack}))
        return stack

    def activate(self, name: str) -> Stack:
        """Make the stack called ``name`` the active one."""
        stack = self.get(name)
        self._save(attrs.evolve(self._load(), active_stack=name))
        return stack
