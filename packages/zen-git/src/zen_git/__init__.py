"""zen-git: code pinning for zen.

It sits on zen-types, beside zen-materialize and zen-store, and below zen-run. It resolves the code a run uses
(steps, config classes, materializers) to ``module.Name@<git sha>`` source strings when their module folders
are committed, records the repository state of each run, loads pinned code back from git history in memory
(so an old run can be re-run after the working tree moved on), and fingerprints step code for caching.
"""

from __future__ import annotations

from zen_git._fingerprint import CodeFingerprint, code_fingerprint
from zen_git._load import resolve
from zen_git._pin import Pinner, SourceRef, check_relative_imports, pin, repo_state
from zen_git._repo import RepoState
from zen_git.errors import (
    SourceResolutionError,
    UncommittedCodeError,
    UnpinnedCodeWarning,
    UpwardRelativeImportError,
)

__all__ = [
    "CodeFingerprint",
    "Pinner",
    "RepoState",
    "SourceRef",
    "SourceResolutionError",
    "UncommittedCodeError",
    "UnpinnedCodeWarning",
    "UpwardRelativeImportError",
    "check_relative_imports",
    "code_fingerprint",
    "pin",
    "repo_state",
    "resolve",
]
