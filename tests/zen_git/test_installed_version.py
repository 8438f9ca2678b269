"""Installed versions are read once per process and read again when the distribution is reinstalled: a pin of
installed code names the version installed now, never one remembered from before a reinstall."""

from __future__ import annotations

import importlib
import uuid
from pathlib import Path

import pytest

from zen_git._pin import _distributions, installed_version


def _install(site: Path, lib: str, version: str) -> Path:
    """Lay ``lib`` out in ``site`` as pip does (removing any other version's dist-info folder first); returns
    the new dist-info folder."""
    for old in site.glob(f"{lib}-*.dist-info"):
        for file in old.iterdir():
            file.unlink()
        old.rmdir()
    (site / lib).mkdir(parents=True, exist_ok=True)
    (site / lib / "__init__.py").write_text("VALUE = 1\n")
    info = site / f"{lib}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {lib}\nVersion: {version}\n")
    (info / "top_level.txt").write_text(f"{lib}\n")
    (info / "RECORD").write_text(f"{lib}/__init__.py,,\n{info.name}/METADATA,,\n")
    importlib.invalidate_caches()  # importlib.metadata's own folder listings, which pip's installs also refresh
    return info


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site-packages"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def _fresh_scan() -> None:
    _distributions.cache_clear()  # the module -> distribution map is scanned once per process


def test_a_reinstalled_distribution_pins_its_new_version_in_the_same_process(site: Path) -> None:
    lib = f"verlib_{uuid.uuid4().hex[:8]}"
    _install(site, lib, "1.0")
    _fresh_scan()
    assert installed_version(f"{lib}.x") == f"{lib}==1.0"
    assert installed_version(f"{lib}.x") == f"{lib}==1.0"  # remembered
    _install(site, lib, "2.0")
    assert installed_version(f"{lib}.x") == f"{lib}==2.0"
    _distributions.cache_clear()


def test_a_metadata_file_rewritten_in_place_is_read_again(site: Path) -> None:
    lib = f"verlib_{uuid.uuid4().hex[:8]}"
    info = _install(site, lib, "1.0")
    _fresh_scan()
    assert installed_version(f"{lib}.x") == f"{lib}==1.0"
    metadata = info / "METADATA"
    metadata.unlink()  # another file (pip writes new files, never into old ones)
    metadata.write_text(f"Metadata-Version: 2.1\nName: {lib}\nVersion: 1.0.post1\n")
    assert installed_version(f"{lib}.x") == f"{lib}==1.0.post1"
    _distributions.cache_clear()


def test_an_uninstalled_distribution_is_no_longer_named(site: Path) -> None:
    lib = f"verlib_{uuid.uuid4().hex[:8]}"
    info = _install(site, lib, "1.0")
    _fresh_scan()
    assert installed_version(f"{lib}.x") == f"{lib}==1.0"
    for file in info.iterdir():
        file.unlink()
    info.rmdir()
    importlib.invalidate_caches()
    assert installed_version(f"{lib}.x") is None
    _distributions.cache_clear()
