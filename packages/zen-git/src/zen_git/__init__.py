"""zen-git: code pinning for zen.

It sits on zen-types, beside zen-materialize and zen-store, and below zen-run. It resolves the code a run uses
(steps, config classes, materializers) to ``module.Name@<git sha>`` source strings when the bytes that run are
exactly the bytes committed at HEAD, records the repository state of each run, loads pinned code back from git
history in memory (so an old run can be re-run after the working tree moved on), and fingerprints step code for
caching. It runs git's plumbing commands and needs git on the ``PATH``.
"""

from __future__ import annotations

from zen_git._cache import SourceCache
from zen_git._fingerprint import CodeFingerprint, code_fingerprint
from zen_git._load import resolve
from zen_git._pin import (
    Pinned,
    Pinner,
    SourceRef,
    Unpinned,
    UnpinnedReason,
    check_relative_imports,
    pin,
    repo_state,
)
from zen_git._repo import RepoState
from zen_git.errors import (
    GitCommandError,
    InstalledVersionError,
    SourceResolutionError,
    UnpinnedCodeWarning,
    UpwardRelativeImportError,
)

__all__ = [
    "CodeFingerprint",
    "GitCommandError",
    "InstalledVersionError",
    "Pinned",
    "Pinner",
    "RepoState",
    "SourceCache",
    "SourceRef",
    "SourceResolutionError",
    "Unpinned",
    "UnpinnedCodeWarning",
    "UnpinnedReason",
    "UpwardRelativeImportError",
    "check_relative_imports",
    "code_fingerprint",
    "pin",
    "repo_state",
    "resolve",
]
