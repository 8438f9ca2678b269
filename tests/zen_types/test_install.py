"""Install hints: zen's packages install from its repository (no zen package is on PyPI), and every message that
says how to install one is worded by ``zen_types.install_hint`` / ``upgrade_hint``, which name what works."""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest

from zen_types import ZEN_DISTRIBUTIONS, install_hint, upgrade_hint

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ROOT / "packages"


def _command(hint: str) -> list[str]:
    """The words of the command quoted in ``hint``, as bash expands them with ZEN set to this repository."""
    quoted = re.fullmatch(r"`([^`]+)`.*", hint)
    assert quoted is not None, hint
    done = subprocess.run(
        ["bash", "-c", f"printf '%s\\n' {quoted.group(1)}"],
        env={"ZEN": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


def test_zen_distributions_are_the_packages_of_the_repository() -> None:
    names = {tomllib.loads(p.read_text())["project"]["name"] for p in PACKAGES.glob("*/pyproject.toml")}
    assert names == ZEN_DISTRIBUTIONS


@pytest.mark.parametrize(
    ("distribution", "extra"),
    [
        ("zen-run", None),
        ("zen-ui", None),
        ("zen-store", "postgres"),
        ("zen-store", "fsspec"),
        ("zen-materialize", "testing"),
    ],
)
def test_a_zen_hint_names_a_package_folder_of_the_repository_and_an_extra_it_declares(
    distribution: str, extra: str | None
) -> None:
    """What a user pastes installs from their clone: the folder exists, holds that distribution and its extra."""
    pip, install, target = _command(install_hint(distribution, extra=extra))
    assert (pip, install) == ("pip", "install")
    folder, _, extras = target.partition("[")
    project = tomllib.loads((Path(folder) / "pyproject.toml").read_text())["project"]
    assert project["name"] == distribution and Path(folder).parent == PACKAGES
    assert extras == (f"{extra}]" if extra else "")
    if extra:
        assert extra in project["optional-dependencies"]


def test_other_distributions_are_named_for_their_index_with_the_version() -> None:
    assert install_hint("numpy", version="2.1.0") == "`pip install numpy==2.1.0`"
    assert install_hint("steplib-x", version="1.0", reinstall=True) == "`pip install --force-reinstall steplib-x==1.0`"
    assert _command(install_hint("zen-run", version="0.1.0", reinstall=True))[:3] == [
        "pip",
        "install",
        "--force-reinstall",
    ]
    assert "check out zen 0.1.0" in install_hint("zen-run", version="0.1.0")


def test_upgrading_points_to_the_repository_not_an_index() -> None:
    assert 'git -C "$ZEN" pull' in upgrade_hint() and "pip install" not in upgrade_hint()


def test_no_module_words_an_install_command_of_its_own() -> None:
    """One place words install hints: elsewhere in the packages' code a `pip install` or `uv add` would drift (it
    told users `pip install -U zen-run`, which installs nothing of zen's)."""
    own = PACKAGES / "zen-types" / "src" / "zen_types" / "_install.py"
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(PACKAGES.glob("*/src/**/*.py"))
        if path != own
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\b(pip3? install|uv (add|pip install))\b", line)
    ]
    assert found == []


def test_the_readme_installs_zen_as_the_hints_do() -> None:
    """The hints and the README's "Start your own project" agree: packages from the clone's folder."""
    readme = (ROOT / "README.md").read_text()
    assert 'pip install -q "$ZEN"/packages/zen-types' in readme
    assert '"$ZEN"/packages/zen-run' in readme
    assert "pip install zen-run" not in readme and "pip install -U zen" not in readme
    assert shlex.split(install_hint("zen-run").split("`")[1]) == ["pip", "install", "$ZEN/packages/zen-run"]
