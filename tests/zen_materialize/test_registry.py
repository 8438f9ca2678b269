"""The registry: every attribute validated at registration, entry-point plugins, subclass-aware reader choice."""

from __future__ import annotations

import ast
import datetime as dt
import enum
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

import zen_materialize
from zen_materialize import (
    ENTRY_POINT_GROUP,
    ArtifactKind,
    ArtifactLocation,
    JsonMaterializer,
    Materializer,
    MaterializerDefinitionError,
    MaterializerRegistry,
    default_registry,
)
from zen_materialize._sklearn import SklearnMaterializer


class Reading:
    """A user type."""


class Good(Materializer[Reading]):
    """A well-formed materializer."""

    TYPES: ClassVar[tuple[type, ...]] = (Reading,)
    FORMAT: ClassVar[str] = "reading-v"

    def write(self, value: Reading, artifact: ArtifactLocation) -> None:
        (Path(artifact.uri) / "r").write_text("r")

    def read(self, artifact: ArtifactLocation) -> Reading:
        return Reading()


def _variant(**attributes: object) -> type[Good]:
    variant: type[Good] = type("Variant", (Good,), dict(attributes))
    return variant


class Abstract(Materializer[Reading]):
    """Forgets read()."""

    TYPES: ClassVar[tuple[type, ...]] = (Reading,)
    FORMAT: ClassVar[str] = "abstract"

    def write(self, value: Reading, artifact: ArtifactLocation) -> None:
        """Writes nothing."""


BAD = {
    "not a materializer": (Reading, "not a subclass of zen_materialize.Materializer"),
    "abstract": (Abstract, "does not implement read"),
    "empty FORMAT": (_variant(FORMAT=""), "FORMAT is ''"),
    "FORMAT with a space": (_variant(FORMAT="my format"), "FORMAT is 'my format'"),
    "FORMAT not a string": (_variant(FORMAT=3), "FORMAT is 3"),
    "FORMAT_VERSION zero": (_variant(FORMAT_VERSION=0), "FORMAT_VERSION is 0"),
    "FORMAT_VERSION a string": (_variant(FORMAT_VERSION="1"), "FORMAT_VERSION is '1'"),
    "FORMAT_VERSION a bool": (_variant(FORMAT_VERSION=True), "FORMAT_VERSION is True"),
    "TYPES a list": (_variant(TYPES=[Reading]), "TYPES is"),
    "TYPES holding an instance": (_variant(TYPES=(Reading(),)), "TYPES is"),
    "READ_TYPES a class": (_variant(READ_TYPES=Reading), "READ_TYPES is"),
    "nothing written or read": (_variant(TYPES=()), "both empty"),
    "a writer for object": (_variant(TYPES=(object,)), "would write every value"),
    "KIND a string": (_variant(KIND="model"), "KIND is 'model'"),
    "DESCRIPTION not text": (_variant(DESCRIPTION=None), "DESCRIPTION is None"),
    "write not a method": (_variant(write=None), "write is not a method"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_registration_validates_every_attribute_with_a_definition_error(name: str) -> None:
    """Each malformed attribute is a MaterializerDefinitionError (a TypeError, not a lookup error) naming it."""
    cls, expected = BAD[name]
    registry = MaterializerRegistry()
    with pytest.raises(MaterializerDefinitionError, match="cannot be registered") as caught:
        registry.register(cls)  # type: ignore[arg-type]  # malformed on purpose
    assert expected in str(caught.value)
    error: Exception = caught.value
    assert isinstance(error, TypeError)
    assert not isinstance(error, LookupError)
    assert cls not in registry.materializers()


def test_a_well_formed_class_registers_once_however_often_it_is_registered() -> None:
    """Registering again is a no-op, not a tie with itself."""
    registry = MaterializerRegistry()
    for _ in range(3):
        registry.register(Good)
    assert isinstance(registry.writer_for(Reading), Good)
    registry.register(_variant(KIND=ArtifactKind.MODEL, FORMAT="reading-model"))


_PLUGIN = """
from pathlib import Path
from typing import ClassVar
from zen_materialize import Materializer

class Gauge:
    def __init__(self, level: int) -> None:
        self.level = level

class GaugeMaterializer(Materializer[Gauge]):
    TYPES: ClassVar[tuple[type, ...]] = (Gauge,)
    FORMAT: ClassVar[str] = "gauge-text"
    DESCRIPTION: ClassVar[str] = "a gauge level"

    def write(self, value, artifact):
        (Path(artifact.uri) / "level").write_text(str(value.level))

    def read(self, artifact):
        return Gauge(int((Path(artifact.uri) / "level").read_text()))

class GaugeLevelView(GaugeMaterializer):
    TYPES: ClassVar[tuple[type, ...]] = ()
    READ_TYPES: ClassVar[tuple[type, ...]] = (int,)

    def read(self, artifact):
        return super().read(artifact).level

def register(registry):
    registry.register(GaugeLevelView, writer=False)

class Broken(Materializer[Gauge]):
    TYPES: ClassVar[tuple[type, ...]] = (Gauge,)
    FORMAT: ClassVar[str] = ""

    def write(self, value, artifact): ...
    def read(self, artifact): ...
"""


def _install(site: Path, module: str, entry_points: dict[str, str]) -> None:
    """A real installed distribution: a module and a dist-info folder with entry_points.txt, on sys.path."""
    (site / f"{module}.py").write_text(_PLUGIN)
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}")


def test_third_party_materializers_come_in_through_the_entry_point_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A class entry point becomes a writer; a function entry point registers what it likes (here, a view)."""
    _install(
        tmp_path,
        "zen_gauge_plugin",
        {"gauge": "zen_gauge_plugin:GaugeMaterializer", "views": "zen_gauge_plugin:register"},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = MaterializerRegistry()
    registry.load_entry_points()
    plugin = sys.modules["zen_gauge_plugin"]
    gauge: object = plugin.Gauge(7)
    writer = registry.writer_for(type(gauge))
    folder = tmp_path / "artifact"
    folder.mkdir()
    writer.write(gauge, zen_materialize.Location(str(folder)))
    assert registry.read(zen_materialize.Location(str(folder)), format="gauge-text", as_type=int) == 7
    monkeypatch.delitem(sys.modules, "zen_gauge_plugin")


def test_a_malformed_plugin_is_a_definition_error_naming_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error names the entry point, the distribution and the attribute; nothing half-registered is used."""
    _install(tmp_path, "zen_broken_plugin", {"broken": "zen_broken_plugin:Broken"})
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(
        MaterializerDefinitionError, match=r"entry point broken = zen_broken_plugin:Broken \(from zen_broken_plugin"
    ) as caught:
        MaterializerRegistry().load_entry_points()
    assert "FORMAT is ''" in str(caught.value)
    monkeypatch.delitem(sys.modules, "zen_broken_plugin")


def test_a_plugin_that_fails_to_import_names_its_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import error inside a plugin says which distribution to fix or uninstall."""
    _install(tmp_path, "zen_missing_plugin", {"missing": "zen_missing_plugin:NoSuchClass"})
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(MaterializerDefinitionError, match="Fix or uninstall zen_missing_plugin"):
        MaterializerRegistry().load_entry_points()
    monkeypatch.delitem(sys.modules, "zen_missing_plugin")


class Weekday(enum.Enum):
    """A user enum."""

    MON = 1


@pytest.mark.parametrize(
    ("fmt", "declared", "reader"),
    [
        ("zen-json", dt.datetime, JsonMaterializer),
        ("zen-json", Path, JsonMaterializer),
        ("zen-json", Weekday, JsonMaterializer),
        ("skops", LogisticRegression, SklearnMaterializer),
        ("skops", BaseEstimator, SklearnMaterializer),
    ],
    ids=["datetime", "Path", "user enum", "concrete estimator", "claimed base"],
)
def test_a_declared_subclass_of_a_read_type_finds_its_reader(fmt: str, declared: type, reader: type) -> None:
    """Input[datetime], Input[Path], Input[MyEnum], Input[LogisticRegression] pick the format's reader."""
    assert isinstance(default_registry().reader_for(fmt, declared), reader)


def test_builtins_and_registry_do_not_import_each_other() -> None:
    """The built-in modules declare their classes; only the registry imports them (no import circle)."""
    source = Path(zen_materialize.__file__).parent
    for module in ("_builtins", "_numpy", "_pandas", "_arrow", "_sklearn"):
        tree = ast.parse((source / f"{module}.py").read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "zen_materialize._registry" not in imported, module
