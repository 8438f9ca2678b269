"""Installed versions are read once per process and read again when the distribution is reinstalled: a pin of
installed code names the version installed now, never one remembered from before a reinstall. Each case runs in a
fresh process (which maps installed modules to distributions once, at its first pin), on a real dist-info folder."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

INSTALL = textwrap.dedent(
    """
    import importlib, json, pathlib, sys

    site = pathlib.Path(sys.argv[1])
    lib = sys.argv[2]
    sys.path.insert(0, str(site))


    def install(version):
        for old in site.glob(f"{lib}-*.dist-info"):
            for file in old.iterdir():
                file.unlink()
            old.rmdir()
        (site / lib).mkdir(parents=True, exist_ok=True)
        (site / lib / "__init__.py").write_text("VALUE = 1\\n")
        info = site / f"{lib}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\\nName: {lib}\\nVersion: {version}\\n")
        (info / "top_level.txt").write_text(f"{lib}\\n")
        (info / "RECORD").write_text(f"{lib}/__init__.py,,\\n{info.name}/METADATA,,\\n")
        importlib.invalidate_caches()  # importlib.metadata's own folder listings, which pip's installs refresh too
        return info


    from zen_git._pin import installed_version

    seen = []
    """
)

CASES = {
    "reinstalled": """
        install("1.0")
        seen += [installed_version(f"{lib}.x"), installed_version(f"{lib}.x")]
        install("2.0")
        seen.append(installed_version(f"{lib}.x"))
        """,
    "rewritten": """
        info = install("1.0")
        seen.append(installed_version(f"{lib}.x"))
        (info / "METADATA").unlink()  # another file (pip writes new files, never into old ones)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\\nName: {lib}\\nVersion: 1.0.post1\\n")
        seen.append(installed_version(f"{lib}.x"))
        """,
    "uninstalled": """
        info = install("1.0")
        seen.append(installed_version(f"{lib}.x"))
        for file in info.iterdir():
            file.unlink()
        info.rmdir()
        importlib.invalidate_caches()
        seen.append(installed_version(f"{lib}.x"))
        """,
}

EXPECTED: dict[str, list[str | None]] = {
    "reinstalled": ["{lib}==1.0", "{lib}==1.0", "{lib}==2.0"],
    "rewritten": ["{lib}==1.0", "{lib}==1.0.post1"],
    "uninstalled": ["{lib}==1.0", None],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_pinned_version_is_the_one_installed_now(tmp_path: Path, case: str) -> None:
    """Read twice, a version is remembered; reinstalled (a new dist-info folder), rewritten in place or
    uninstalled, the next read says so."""
    lib = f"verlib_{uuid.uuid4().hex[:8]}"
    script = INSTALL + textwrap.dedent(CASES[case]) + "print(json.dumps(seen))\n"
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "site-packages"), lib],
        capture_output=True,
        text=True,
        check=True,
    )
    expected = [None if item is None else item.format(lib=lib) for item in EXPECTED[case]]
    assert json.loads(done.stdout) == expected
