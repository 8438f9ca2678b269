"""``installed_entry_points``: what ``importlib.metadata.entry_points(group=...)`` finds, from one scan per process.

The distributions here are real ones: a dist-info folder with ``entry_points.txt`` in a folder put on
``sys.path``, as an installer leaves them.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from pathlib import Path

import pytest

from zen_types import _plugins as plugins_module
from zen_types import installed_entry_points

GROUPS = ("zen.runner", "zen.materializers", "zen.orchestrators", "zen.commands", "console_scripts", "zen.none")


def _install(site: Path, name: str, entry_points: str) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


@pytest.mark.parametrize("group", GROUPS)
def test_each_group_holds_what_importlib_metadata_finds_for_it(group: str) -> None:
    """Same entry points, same order (zen-run's runner and command among them), none for an unused group."""
    assert installed_entry_points(group) == tuple(importlib.metadata.entry_points(group=group))


def test_zen_runs_own_plug_ins_are_found() -> None:
    """zen-run declares the runner and the dashboard command through entry points; both are there."""
    assert [point.value for point in installed_entry_points("zen.runner")] == ["zen_run._runner:run_pipeline_instance"]
    assert "ui" in {point.name for point in installed_entry_points("zen.commands")}


def test_several_groups_are_answered_by_one_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Looking in every zen group reads the installed distributions once, and a second look-up not at all."""
    scans: list[str] = []
    every = importlib.metadata.distributions

    def counted() -> Iterable[importlib.metadata.Distribution]:  # how entry_points() lists them all
        scans.append("every distribution")
        return every()

    monkeypatch.setattr(plugins_module, "_SCANNED", {})
    monkeypatch.setattr(importlib.metadata, "distributions", counted)
    for group in GROUPS * 2:
        installed_entry_points(group)
    assert scans == ["every distribution"]


def test_a_distribution_on_a_path_added_later_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan is kept while ``sys.path`` is unchanged: a plug-in folder put on it afterwards is read by the next
    look-up, and taking the folder away takes its entry points with it."""
    installed_entry_points("zen.orchestrators")  # a scan made before the plug-in's folder is on the path
    _install(tmp_path, "one_by_one", "[zen.orchestrators]\none-by-one = one_by_one:OneByOne\n")
    with monkeypatch.context() as patched:
        patched.syspath_prepend(str(tmp_path))
        found = installed_entry_points("zen.orchestrators")
        assert [(point.name, point.value) for point in found] == [("one-by-one", "one_by_one:OneByOne")]
        assert found[0].dist is not None and found[0].dist.name == "one_by_one"
    assert installed_entry_points("zen.orchestrators") == ()


def test_the_first_distribution_of_a_name_on_the_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two copies of one distribution (an upgrade shadowing an old install): only the first on ``sys.path``
    counts, as ``importlib.metadata`` decides."""
    _install(tmp_path / "new", "shadowed", "[zen.materializers]\nnew = shadowed:New\n")
    _install(tmp_path / "old", "shadowed", "[zen.materializers]\nold = shadowed:Old\n")
    monkeypatch.syspath_prepend(str(tmp_path / "old"))
    monkeypatch.syspath_prepend(str(tmp_path / "new"))
    assert [point.name for point in installed_entry_points("zen.materializers")] == ["new"]
    assert installed_entry_points("zen.materializers") == tuple(
        importlib.metadata.entry_points(group="zen.materializers")
    )
