"""The only module that runs git: a few plumbing commands, each read from NUL-separated output.

Every command runs as ``git --no-optional-locks --literal-pathspecs -C <root> ...``: reading never takes the
index lock a concurrent ``git commit`` needs, and a path is never read as a pattern. Blob ids of working-tree
files are computed here the way ``git hash-object`` does (``sha1("blob <size>\\0" + bytes)``), so comparing
the bytes that ran with a commit's tree entry needs no subprocess per file.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from zen_git.errors import GitCommandError

__all__ = ["ChangedEntry", "GitRepo", "Status", "TreeEntry", "blob_id", "find_work_tree"]


def blob_id(data: bytes, object_format: str = "sha1") -> str:
    """The object id git gives a blob with these bytes (``git hash-object`` semantics) in a repository of that
    object format (``sha1``, or ``sha256`` for ``git init --object-format=sha256``)."""
    header = b"blob %d\0" % len(data)
    if object_format == "sha256":
        return hashlib.sha256(header + data).hexdigest()
    return hashlib.sha1(header + data, usedforsecurity=False).hexdigest()


@attrs.frozen(kw_only=True)
class TreeEntry:
    """One entry of a commit's tree: its mode (``100644``, ``120000`` symlink, ``160000`` submodule) and id."""

    mode: str
    object_id: str

    @property
    def is_file(self) -> bool:
        """A regular (possibly executable) file, not a symlink, a submodule or a folder."""
        return self.mode in ("100644", "100755")


@attrs.frozen(kw_only=True)
class ChangedEntry:
    """A tracked path that ``git status`` lists: its two-letter code and its HEAD and index blob ids."""

    code: str
    head_id: str
    index_id: str


@attrs.frozen(kw_only=True)
class Status:
    """One ``git status`` read: HEAD (None before the first commit), branch (None when detached), changes."""

    head_sha: str | None
    branch: str | None
    changed: dict[str, ChangedEntry]
    untracked: tuple[str, ...]


def find_work_tree(directory: Path) -> Path | None:
    """The nearest folder at or above ``directory`` holding a ``.git`` entry (folder, or file of a worktree or
    submodule), or None. Plain file-system look-ups: no subprocess for code that is in no repository."""
    current = directory
    while True:
        if os.path.lexists(current / ".git"):
            return current
        if current.parent == current:
            return None
        current = current.parent


class GitRepo:
    """A work tree and its git directory; each method is one git command."""

    def __init__(self, root: Path, git_dir: Path, object_format: str = "sha1") -> None:
        self.root = root
        self.git_dir = git_dir
        self.object_format = object_format

    @classmethod
    def open(cls, work_tree: Path) -> GitRepo | None:
        """The repository whose work tree is ``work_tree`` (None when git does not recognise one there)."""
        try:
            args = ["rev-parse", "--show-toplevel", "--absolute-git-dir", "--show-object-format"]
            out = _run(work_tree, args).decode()
        except GitCommandError:
            return None
        lines = out.splitlines()
        if len(lines) != 3:
            return None
        object_format = "sha256" if lines[2] == "sha256" else "sha1"  # git before 2.29 echoes the option back
        return cls(Path(lines[0]).resolve(), Path(lines[1]).resolve(), object_format)

    @property
    def shallow(self) -> bool:
        """True for a shallow clone (only part of the history is present)."""
        return (self.git_dir / "shallow").exists()

    def git(self, args: Sequence[str], *, stdin: bytes | None = None, ok_codes: tuple[int, ...] = (0,)) -> bytes:
        """Run ``git args`` in the work tree and return its standard output."""
        return _run(self.root, args, stdin=stdin, ok_codes=ok_codes)

    def status(self, *, untracked: bool = True) -> Status:
        """HEAD, branch, changed tracked paths and (unless told not to: finding them walks every folder git does
        not ignore, which took half of the command's time in a 400-file repository) untracked paths, from one
        ``git status``."""
        listing = "all" if untracked else "no"
        out = self.git(["status", "--porcelain=v2", "-z", "--branch", f"--untracked-files={listing}", "--no-renames"])
        head: str | None = None
        branch: str | None = None
        changed: dict[str, ChangedEntry] = {}
        untracked_paths: list[str] = []
        for record in out.decode("utf-8", "surrogateescape").split("\0"):
            if record.startswith("# branch.oid "):
                oid = record.removeprefix("# branch.oid ")
                head = None if oid == "(initial)" else oid
            elif record.startswith("# branch.head "):
                name = record.removeprefix("# branch.head ")
                branch = None if name == "(detached)" else name
            elif record.startswith("1 "):
                fields = record.split(" ", 8)
                changed[fields[8]] = ChangedEntry(code=fields[1], head_id=fields[6], index_id=fields[7])
            elif record.startswith("u "):
                fields = record.split(" ", 10)
                changed[fields[10]] = ChangedEntry(code=fields[1], head_id="", index_id="")
            elif record.startswith("? "):
                untracked_paths.append(record[2:])
        return Status(head_sha=head, branch=branch, changed=changed, untracked=tuple(sorted(untracked_paths)))

    def tree_entries(self, commit: str, paths: Iterable[str]) -> dict[str, TreeEntry]:
        """The entries of ``paths`` in ``commit``'s tree (paths that are not there are left out)."""
        wanted = sorted(set(paths))
        if not wanted:
            return {}
        out = self.git(["ls-tree", "-z", "--full-tree", commit, "--", *wanted])
        return _parse_tree(out)

    def whole_tree(self, commit: str) -> dict[str, TreeEntry]:
        """Every file of ``commit`` (recursively), by path."""
        return _parse_tree(self.git(["ls-tree", "-r", "-z", "--full-tree", commit]))

    def index_entries(self, paths: Iterable[str]) -> dict[str, TreeEntry]:
        """The staged entries of ``paths`` (stage 0 only)."""
        wanted = sorted(set(paths))
        if not wanted:
            return {}
        found: dict[str, TreeEntry] = {}
        for record in self.git(["ls-files", "-s", "-z", "--", *wanted]).decode("utf-8", "surrogateescape").split("\0"):
            if not record:
                continue
            meta, _, path = record.partition("\t")
            mode, object_id, stage = meta.split(" ")
            if stage == "0":
                found[path] = TreeEntry(mode=mode, object_id=object_id)
        return found

    def ignoring_rules(self, paths: Iterable[str]) -> dict[str, str]:
        """For each of ``paths`` that git ignores, the rule that does it, ``git check-ignore -v`` style
        (``.gitignore:3:build/``)."""
        wanted = sorted(set(paths))
        if not wanted:
            return {}
        stdin = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in wanted)
        out = _run(self.root, ["check-ignore", "-v", "-z", "--stdin"], stdin=stdin, ok_codes=(0, 1), literal=False)
        fields = out.decode("utf-8", "surrogateescape").split("\0")
        rules: dict[str, str] = {}
        for index in range(0, len(fields) - 3, 4):
            source, line, pattern, path = fields[index : index + 4]
            if source and not pattern.startswith("!"):  # a path whose last match is a negated rule is kept
                rules[path] = f"{source}:{line}:{pattern}"
        return rules

    def hidden_change(self, path: str, committed_id: str) -> str | None:
        """Why ``git status`` shows ``path`` unchanged although its bytes are not the blob ``committed_id``:
        the index marks it ``assume-unchanged`` or ``skip-worktree``, or git converts it between commit and
        working tree (line endings, a ``.gitattributes`` filter), named as git is told to. None otherwise."""
        listed = self.git(["ls-files", "-v", "-z", "--", path]).decode("utf-8", "surrogateescape")
        tag = listed[:1]
        if tag == "S":
            return f"it is marked skip-worktree (`git update-index --no-skip-worktree {path}` shows the change)"
        if tag.islower():
            return f"it is marked assume-unchanged (`git update-index --no-assume-unchanged {path}` shows the change)"
        if self.git(["hash-object", "--", path]).decode().strip() != committed_id:
            return None
        told: list[str] = []
        attributes = self.git(["check-attr", "-z", "text", "eol", "filter", "--", path]).decode("utf-8", "replace")
        fields = attributes.split("\0")
        for index in range(0, len(fields) - 2, 3):
            _, name, value = fields[index : index + 3]
            if value not in ("unspecified", "unset"):
                told.append(name if value == "set" else f"{name}={value}")
        autocrlf = self.git(["config", "core.autocrlf"], ok_codes=(0, 1)).decode().strip()
        if autocrlf and autocrlf != "false":
            told.append(f"core.autocrlf={autocrlf}")
        how = f" ({', '.join(told)})" if told else ""
        return f"git converts it between commits and the working tree{how}"

    def blob(self, object_id: str) -> bytes:
        """The bytes of a blob."""
        return self.git(["cat-file", "blob", object_id])


def _parse_tree(out: bytes) -> dict[str, TreeEntry]:
    entries: dict[str, TreeEntry] = {}
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, _kind, object_id = meta.split(" ")
        entries[path] = TreeEntry(mode=mode, object_id=object_id)
    return entries


def _run(
    cwd: Path,
    args: Sequence[str],
    *,
    stdin: bytes | None = None,
    ok_codes: tuple[int, ...] = (0,),
    literal: bool = True,
) -> bytes:
    # check-ignore takes paths, not pathspecs, and refuses the literal-pathspecs switch.
    argv = ["git", "--no-optional-locks", *(["--literal-pathspecs"] if literal else []), "-C", str(cwd), *args]
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, check=False)
    except OSError as exc:
        raise GitCommandError(argv=argv, detail=f"git could not be started ({exc}); install git") from exc
    if done.returncode not in ok_codes:
        raise GitCommandError(argv=argv, detail=done.stderr.decode("utf-8", "replace").strip())
    return done.stdout
