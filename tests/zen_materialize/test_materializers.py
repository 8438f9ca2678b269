"""Materializers: a round-trip property per registered materializer, views, lookup errors, corrupt files."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import ClassVar

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tests.zen_materialize.strategies import plain_values
from tests.zen_materialize.torch_strategies import (
    batches_from,
    datasets,
    images,
    numpy_tensors,
    same_batches,
    same_dataset,
    same_image,
    same_tensor,
    tensors,
)
from tests.zen_run.torch_models import checkpoints, mlps, same_checkpoint, same_module
from zen_materialize import (
    AmbiguousMaterializerError,
    ArtifactLocation,
    CorruptArtifactError,
    JsonMaterializer,
    Location,
    Materializer,
    MaterializerNotFoundError,
    MaterializerRegistry,
    PickleMaterializer,
    RecordMaterializer,
    UnsafeMaterializerWarning,
    default_registry,
)
from zen_materialize._arrow import ArrowTableMaterializer
from zen_materialize._numpy import NumpyMaterializer, NumpyMemmapView
from zen_materialize._pandas import DataFrameMaterializer, SeriesMaterializer
from zen_materialize._sklearn import SklearnMaterializer
from zen_materialize.images import ImageMaterializer
from zen_materialize.testing import check_roundtrip, same_value
from zen_materialize.torch import NumpyTensorView, TableBatchesView, TableDatasetView, TensorMaterializer
from zen_run import _adapters
from zen_run.torch import CheckpointMaterializer, TorchModuleMaterializer
from zen_store import content_hash


@attrs.frozen
class Point:
    """An attrs record."""

    x: int
    y: float
    tags: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Box:
    """A dataclass record."""

    name: str
    points: list[Point]


def _frames() -> st.SearchStrategy[object]:
    return st.builds(
        lambda ints, floats, labels: pd.DataFrame(
            {
                "i": ints,
                "f": floats[: len(ints)] + [0.5] * (len(ints) - len(floats[: len(ints)])),
                "s": labels[: len(ints)] + ["x"] * (len(ints) - len(labels[: len(ints)])),
            },
            index=pd.Index([f"r{n}" for n in range(len(ints))], name="row"),
        ),
        st.lists(st.integers(-(2**40), 2**40), max_size=8),
        st.lists(st.floats(allow_nan=False), max_size=8),
        st.lists(st.text(max_size=5), max_size=8),
    )


def _frame_equal(a: object, b: object) -> bool:
    assert isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame)
    pd.testing.assert_frame_equal(a, b)
    return True


def _series_equal(a: object, b: object) -> bool:
    assert isinstance(a, pd.Series) and isinstance(b, pd.Series)
    pd.testing.assert_series_equal(a, b)
    return True


def _array_equal(a: object, b: object) -> bool:
    assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
    return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def _model_equal(a: object, b: object) -> bool:
    x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    return bool(np.array_equal(a.predict(x), b.predict(x)))  # type: ignore[attr-defined]


def _fitted_models() -> st.SearchStrategy[object]:
    def fit(c: float) -> object:
        x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
        return make_pipeline(StandardScaler(), LogisticRegression(C=c)).fit(x, [0, 1, 1, 0])

    return st.floats(0.01, 10.0).map(fit)


def _arrays(*, min_side: int) -> st.SearchStrategy[object]:
    def of(dtype: str) -> st.SearchStrategy[object]:
        shapes = hnp.array_shapes(min_dims=1 if min_side else 0, max_dims=3, min_side=min_side, max_side=5)
        return st.builds(lambda a: a, hnp.arrays(dtype, shapes))

    return st.sampled_from(["float64", "int32", "bool", "<U3"]).flatmap(of)


arrays = _arrays(min_side=0)
nonempty_arrays = _arrays(min_side=1)


# Every registered materializer and the round trip that checks it. A materializer registered without an entry
# here fails test_every_registered_materializer_has_a_roundtrip_test.
ROUNDTRIPS: dict[type[Materializer[object]], tuple[st.SearchStrategy[object], object]] = {
    JsonMaterializer: (plain_values, same_value),
    RecordMaterializer: (
        st.one_of(
            st.builds(Point, st.integers(), st.floats(allow_nan=False), st.lists(st.text(max_size=3)).map(tuple)),
            st.builds(Box, st.text(max_size=5), st.lists(st.builds(Point, st.integers(), st.floats(allow_nan=False)))),
        ),
        same_value,
    ),
    PickleMaterializer: (plain_values, same_value),
    NumpyMaterializer: (arrays, _array_equal),
    NumpyMemmapView: (nonempty_arrays, _array_equal),
    DataFrameMaterializer: (_frames(), _frame_equal),
    SeriesMaterializer: (
        st.lists(st.floats(allow_nan=False), max_size=6).map(lambda v: pd.Series(v, name="s", dtype="float64")),
        _series_equal,
    ),
    ArrowTableMaterializer: (
        st.lists(st.integers(-1000, 1000), max_size=6).map(lambda v: pa.table({"a": pa.array(v, type=pa.int64())})),
        lambda a, b: a.equals(b),
    ),
    SklearnMaterializer: (_fitted_models(), _model_equal),
    # Materializers typed with their value type; the table holds every entry as Materializer[object].
    TensorMaterializer: (tensors, same_tensor),  # type: ignore[dict-item]
    NumpyTensorView: (numpy_tensors, same_tensor),  # type: ignore[dict-item]
    TableDatasetView: (datasets(), same_dataset),  # type: ignore[dict-item]
    TableBatchesView: (datasets().map(batches_from), same_batches),  # type: ignore[dict-item]
    ImageMaterializer: (images(), same_image),  # type: ignore[dict-item]
    TorchModuleMaterializer: (mlps(), same_module),  # type: ignore[dict-item]
    CheckpointMaterializer: (checkpoints(), same_checkpoint),  # type: ignore[dict-item]
}


def test_every_registered_materializer_has_a_roundtrip_test() -> None:
    """A new materializer must come with its round-trip property here (zen-run's registry: the built-ins plus
    the ones zen-run registers lazily, such as torch modules)."""
    registered = {cls.ref().name for cls in _adapters.default_registry().materializers()}
    tested = {cls.ref().name for cls in ROUNDTRIPS}
    assert registered == tested, f"untested: {sorted(registered - tested)}; stale: {sorted(tested - registered)}"


@pytest.mark.parametrize("cls", list(ROUNDTRIPS), ids=lambda c: c.__name__)
def test_roundtrip_property(cls: type[Materializer[object]]) -> None:
    """Write then read gives back an equal value, metadata is JSON, a format is declared."""
    strategy, equal = ROUNDTRIPS[cls]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsafeMaterializerWarning)
        check_roundtrip(cls(), strategy, equal=equal, max_examples=25)  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", list(ROUNDTRIPS), ids=lambda c: c.__name__)
def test_same_value_same_bytes(cls: type[Materializer[object]], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Writing a value twice gives identical files: content hashes, and so downstream cache keys, are stable."""
    strategy, _ = ROUNDTRIPS[cls]

    @settings(max_examples=10, deadline=None)
    @given(value=strategy)
    def check(value: object) -> None:
        digests = []
        for _ in range(2):
            folder = tmp_path_factory.mktemp("same")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UnsafeMaterializerWarning)
                cls().write(value, Location(str(folder)))
            digests.append(content_hash(folder)[0])
        assert digests[0] == digests[1]

    check()


def test_writer_is_chosen_by_mro_and_generic_aliases_resolve() -> None:
    """int | None, list[int], NDArray, DataFrame subclasses and records find their writers."""
    registry = default_registry()
    assert isinstance(registry.writer_for(int | None), JsonMaterializer)
    assert isinstance(registry.writer_for(list[int]), JsonMaterializer)
    assert isinstance(registry.writer_for(np.ndarray), NumpyMaterializer)
    assert isinstance(registry.writer_for(Point), RecordMaterializer)

    my_frame = type("MyFrame", (pd.DataFrame,), {})
    assert isinstance(registry.writer_for(my_frame), DataFrameMaterializer)


def test_views_read_one_format_as_different_types(tmp_path: Path) -> None:
    """A DataFrame artifact reads as an Arrow table, and an .npy artifact through a memory map."""
    registry = default_registry()
    frame = pd.DataFrame({"a": [1, 2, 3]})
    DataFrameMaterializer().write(frame, Location(str(tmp_path)))
    table = registry.reader_for("parquet", pa.Table).read(Location(str(tmp_path)))
    assert isinstance(table, pa.Table) and table.column("a").to_pylist() == [1, 2, 3]
    assert isinstance(registry.reader_for("parquet", pd.DataFrame).read(Location(str(tmp_path))), pd.DataFrame)
    array_dir = tmp_path / "arr"
    array_dir.mkdir()
    NumpyMaterializer().write(np.arange(10.0), Location(str(array_dir)))
    mapped = registry.reader_for("npy", np.memmap).read(Location(str(array_dir)))
    assert isinstance(mapped, np.memmap) and float(mapped[-1]) == 9.0
    assert not isinstance(registry.reader_for("npy", np.ndarray).read(Location(str(array_dir))), np.memmap)


class _Thing:
    pass


class _ThingA(Materializer[object]):
    TYPES: ClassVar[tuple[type, ...]] = (_Thing,)
    FORMAT: ClassVar[str] = "thing-a"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        (Path(artifact.uri) / "t").write_text("a")

    def read(self, artifact: ArtifactLocation) -> object:
        return _Thing()


class _ThingB(_ThingA):
    FORMAT: ClassVar[str] = "thing-b"


def test_ties_are_errors_naming_the_candidates() -> None:
    """Two writers for the same class: lookup refuses and names both."""
    registry = MaterializerRegistry()
    registry.register(_ThingA)
    registry.register(_ThingB)
    with pytest.raises(AmbiguousMaterializerError, match=r"_ThingA.*_ThingB"):
        registry.writer_for(_Thing)


def test_missing_materializer_says_how_to_register_one() -> None:
    """No writer: the error names the type and the ways out."""
    with pytest.raises(MaterializerNotFoundError, match=r"_Thing has no materializer.*register"):
        default_registry().writer_for(_Thing)


def test_explicit_choice_is_validated_against_the_type() -> None:
    """Choosing a materializer that does not write the type is refused."""
    with pytest.raises(MaterializerNotFoundError, match="not int"):
        default_registry().check_writer(NumpyMaterializer, int)


@pytest.mark.parametrize(
    ("cls", "value"),
    [
        (JsonMaterializer, {"a": [1, 2, 3]}),
        (NumpyMaterializer, np.arange(100.0)),
        (DataFrameMaterializer, pd.DataFrame({"a": range(50)})),
        (RecordMaterializer, Point(1, 2.0)),
    ],
    ids=lambda v: getattr(v, "__name__", "value"),
)
def test_truncated_or_missing_files_raise_not_wrong_values(
    tmp_path: Path, cls: type[Materializer[object]], value: object
) -> None:
    """A truncated file is a CorruptArtifactError; so is a missing one."""
    location = Location(str(tmp_path))
    cls().write(value, location)
    (file,) = list(tmp_path.iterdir())
    file.write_bytes(file.read_bytes()[: max(1, file.stat().st_size // 2)])
    with pytest.raises(CorruptArtifactError):
        cls().read(location)
    file.unlink()
    with pytest.raises(CorruptArtifactError):
        cls().read(location)


def test_pickle_only_by_choice_and_with_a_warning(tmp_path: Path) -> None:
    """Pickle writes nothing by default, and warns on explicit use."""
    with pytest.raises(MaterializerNotFoundError):
        default_registry().writer_for(_Thing)
    with pytest.warns(UnsafeMaterializerWarning, match="execute code"):
        PickleMaterializer().write(_Thing(), Location(str(tmp_path)))


class Celsius:
    """A user type with its own materializer, checked with the public kit."""

    def __init__(self, degrees: float) -> None:
        self.degrees = degrees

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Celsius) and other.degrees == self.degrees

    __hash__ = None  # type: ignore[assignment]  # mutable value type


class CelsiusMaterializer(Materializer[Celsius]):
    """A custom materializer a user would write."""

    TYPES: ClassVar[tuple[type, ...]] = (Celsius,)
    FORMAT: ClassVar[str] = "celsius-text"

    def write(self, value: Celsius, artifact: ArtifactLocation) -> None:
        (Path(artifact.uri) / "c.txt").write_text(repr(value.degrees))

    def read(self, artifact: ArtifactLocation) -> Celsius:
        return Celsius(float((Path(artifact.uri) / "c.txt").read_text()))


def test_a_user_materializer_passes_the_public_kit() -> None:
    """zen_materialize.testing checks a custom materializer with a user strategy."""
    check_roundtrip(CelsiusMaterializer(), st.floats(allow_nan=False).map(Celsius), equal=lambda a, b: a == b)


def test_the_kit_catches_a_broken_materializer() -> None:
    """A materializer that loses information fails the kit (so the kit can fail)."""

    class Lossy(CelsiusMaterializer):
        def read(self, artifact: ArtifactLocation) -> Celsius:
            return Celsius(round(super().read(artifact).degrees))

    with pytest.raises(AssertionError, match="read back"):
        check_roundtrip(Lossy(), st.floats(0.1, 0.4).map(Celsius), equal=lambda a, b: a == b)


_SKOPS_WRITER = """
import sys
from pathlib import Path
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from zen_materialize import Location
from zen_materialize._sklearn import SklearnMaterializer
from zen_materialize.images import ImageMaterializer
from zen_materialize.torch import NumpyTensorView, TableBatchesView, TableDatasetView, TensorMaterializer
from zen_run import _adapters
from zen_run.torch import CheckpointMaterializer, TorchModuleMaterializer
x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5)).fit(x, [0, 1, 1, 0])
SklearnMaterializer().write(model, Location(sys.argv[1]))
"""


def test_sklearn_files_are_byte_identical_across_processes(tmp_path: Path) -> None:
    """The same model written by two processes, seconds apart, gives the same bytes (so the same content hash and
    downstream cache keys): skops' memory-address ids and zip times are canonicalised."""
    import subprocess
    import sys
    import time

    outputs = []
    for index in range(2):
        folder = tmp_path / str(index)
        folder.mkdir()
        subprocess.run([sys.executable, "-c", _SKOPS_WRITER, str(folder)], check=True)
        outputs.append((folder / "model.skops").read_bytes())
        time.sleep(2.1 if index == 0 else 0)  # zip times have 2 s resolution: make them differ
    assert outputs[0] == outputs[1]
    model = SklearnMaterializer().read(Location(str(tmp_path / "0")))
    assert type(model).__name__ == "Pipeline"  # still loads with skops
