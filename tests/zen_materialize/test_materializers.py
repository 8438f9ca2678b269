"""Materializers: a round-trip property per registered materializer, views, lookup errors, corrupt files."""

from __future__ import annotations

import dataclasses
import json
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.extra import pandas as hpd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tests.zen_materialize.onnx_strategies import models as onnx_models
from tests.zen_materialize.onnx_strategies import same_model
from tests.zen_materialize.polars_strategies import frames, same_frame
from tests.zen_materialize.strategies import ordered_values, plain_values
from tests.zen_materialize.torch_strategies import (
    batches_from,
    datasets,
    images,
    nan_batches,
    numpy_tensors,
    same_batches,
    same_dataset,
    same_image,
    same_images,
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
from zen_materialize._numpy import NumpyMaterializer, NumpyMemmapView, NumpyScalarMaterializer
from zen_materialize._pandas import DataFrameMaterializer, SeriesMaterializer
from zen_materialize._sklearn import SklearnMaterializer
from zen_materialize.images import ImageListMaterializer, ImageMaterializer
from zen_materialize.onnx import OnnxModelMaterializer, SklearnOnnxView
from zen_materialize.polars import PolarsFrameMaterializer
from zen_materialize.testing import check_roundtrip, same_value
from zen_materialize.torch import NumpyTensorView, TableBatchesView, TableDatasetView, TensorMaterializer
from zen_run import _registry
from zen_run.torch import CheckpointMaterializer, TorchModuleMaterializer
from zen_run.torch_onnx import TorchOnnxView


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


_FRAME_DTYPES = ["int64", "int8", "uint32", "float64", "float32", "bool", "datetime64[ns]", "timedelta64[ns]"]


def _frames() -> st.SearchStrategy[object]:
    """hypothesis.extra.pandas frames: numeric, bool, datetime and text columns over several index kinds."""
    columns = st.lists(st.sampled_from([*_FRAME_DTYPES, "text"]), min_size=0, max_size=4).map(
        lambda kinds: [
            hpd.column(f"c{i}", elements=st.text(max_size=4)) if kind == "text" else hpd.column(f"c{i}", dtype=kind)
            for i, kind in enumerate(kinds)
        ]
    )
    index = st.sampled_from(
        [
            hpd.range_indexes(max_size=6),
            hpd.indexes(dtype="int64", max_size=6, unique=True),
            hpd.indexes(elements=st.text(max_size=3), max_size=6, unique=True),
        ]
    )
    return st.tuples(columns, index).flatmap(lambda ci: hpd.data_frames(columns=ci[0], index=ci[1]))


def _frame_equal(a: object, b: object) -> bool:
    assert isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame)
    pd.testing.assert_frame_equal(a, b)
    return True


def _series_equal(a: object, b: object) -> bool:
    assert isinstance(a, pd.Series) and isinstance(b, pd.Series)
    pd.testing.assert_series_equal(a, b)
    return True


def _array_equal(a: object, b: object) -> bool:
    """Same dtype, shape and bits (a memory map of the array counts as the array)."""
    assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
    return (
        a.dtype == b.dtype
        and a.shape == b.shape
        and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()
    )


def _model_equal(a: object, b: object) -> bool:
    x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    return bool(np.array_equal(a.predict(x), b.predict(x)))  # type: ignore[attr-defined]


def _fitted_models() -> st.SearchStrategy[object]:
    def fit(c: float) -> object:
        x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
        return make_pipeline(StandardScaler(), LogisticRegression(C=c)).fit(x, [0, 1, 1, 0])

    return st.floats(0.01, 10.0).map(fit)


_DTYPES = st.one_of(
    hnp.boolean_dtypes(),
    hnp.integer_dtypes(endianness="?"),
    hnp.unsigned_integer_dtypes(endianness="?"),
    hnp.floating_dtypes(endianness="?"),
    hnp.complex_number_dtypes(endianness="?"),
    hnp.datetime64_dtypes(endianness="?"),
    hnp.timedelta64_dtypes(endianness="?"),
    hnp.byte_string_dtypes(max_len=4),
    hnp.unicode_string_dtypes(max_len=4),
    hnp.array_dtypes(subtype_strategy=hnp.scalar_dtypes(), max_size=3),
)
_LAYOUTS = ["C", "Fortran", "transposed", "strided", "reversed"]


def _laid_out(array: object, layout: str) -> object:
    """The same values in another memory layout (a view where it can be)."""
    assert isinstance(array, np.ndarray)
    if layout == "Fortran":
        return np.asfortranarray(array)
    if layout == "transposed":
        return array.T
    if array.ndim and layout == "strided":
        return array[::2]
    if array.ndim and layout == "reversed":
        return array[::-1]
    return array


def _nonempty(array: object) -> bool:
    return isinstance(array, np.ndarray) and array.size > 0


def _arrays(*, min_side: int) -> st.SearchStrategy[object]:
    """hypothesis.extra.numpy arrays of every dtype family and byte order, in several memory layouts."""
    shapes = hnp.array_shapes(min_dims=1 if min_side else 0, max_dims=3, min_side=min_side, max_side=4)
    arrays = st.tuples(_DTYPES, shapes).flatmap(lambda ds: hnp.arrays(ds[0], ds[1]))
    laid_out = st.tuples(arrays, st.sampled_from(_LAYOUTS)).map(lambda al: _laid_out(*al))
    return laid_out.filter(_nonempty) if min_side else laid_out


def _first_item(array: object) -> object:
    assert isinstance(array, np.ndarray)
    item: object = array.flat[0]
    return item


def _plain_dtype(array: object) -> bool:
    return isinstance(array, np.ndarray) and array.dtype.names is None


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
    PickleMaterializer: (ordered_values, same_value),  # pickle's bytes follow a set's iteration order
    NumpyMaterializer: (arrays, _array_equal),
    NumpyMemmapView: (nonempty_arrays, _array_equal),
    NumpyScalarMaterializer: (
        nonempty_arrays.filter(_plain_dtype).map(_first_item),
        same_value,
    ),
    DataFrameMaterializer: (_frames(), _frame_equal),
    SeriesMaterializer: (
        st.tuples(
            st.sampled_from(_FRAME_DTYPES).flatmap(
                lambda dtype: hpd.series(dtype=dtype, index=hpd.range_indexes(max_size=6))
            ),
            st.one_of(st.none(), st.text(max_size=3), st.tuples(st.text(max_size=2), st.integers(0, 9))),
        ).map(lambda sn: sn[0].rename(sn[1])),
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
    ImageListMaterializer: (st.lists(images(), max_size=3), same_images),  # type: ignore[dict-item]
    PolarsFrameMaterializer: (frames(), same_frame),  # type: ignore[dict-item]
    OnnxModelMaterializer: (onnx_models(), same_model),  # type: ignore[dict-item]
    TorchModuleMaterializer: (mlps(), same_module),  # type: ignore[dict-item]
    CheckpointMaterializer: (checkpoints(), same_checkpoint),  # type: ignore[dict-item]
}


ALWAYS_TRIED: dict[type[Materializer[object]], Callable[[], list[object]]] = {
    # NaN in a float column: a round trip must keep it bit for bit, and an equality must take it for itself
    TableBatchesView: lambda: [nan_batches()],  # type: ignore[dict-item]
}
"""Values each property tries every time, before the generated ones (found failing once, or easy to get wrong)."""


ONE_WAY_VIEWS = {SklearnOnnxView.ref().name, TorchOnnxView.ref().name}
"""Views whose type cannot be written back in their format (an ONNX graph is no scikit-learn estimator): each has
a property test of what it reads instead (tests/zen_materialize/test_onnx.py, tests/zen_run/test_torch_onnx.py)."""


def test_every_registered_materializer_has_a_roundtrip_test() -> None:
    """A new materializer must come with its round-trip property here (zen-run's registry: the built-ins plus
    the ones zen-run registers lazily, such as torch modules)."""
    registered = {cls.ref().name for cls in _registry.default_registry().materializers()}
    tested = {cls.ref().name for cls in ROUNDTRIPS} | ONE_WAY_VIEWS
    assert registered == tested, f"untested: {sorted(registered - tested)}; stale: {sorted(tested - registered)}"


@pytest.mark.parametrize("cls", list(ROUNDTRIPS), ids=lambda c: c.__name__)
def test_roundtrip_property(cls: type[Materializer[object]]) -> None:
    """The public kit on every built-in: round trip, same bytes twice, views, damaged files, JSON metadata."""
    strategy, equal = ROUNDTRIPS[cls]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsafeMaterializerWarning)
        examples = ALWAYS_TRIED.get(cls, list)()
        check_roundtrip(cls(), strategy, equal=equal, max_examples=15, examples=examples)  # type: ignore[arg-type]


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
        return isinstance(other, Celsius) and repr(other.degrees) == repr(self.degrees)

    __hash__ = None  # type: ignore[assignment]  # mutable value type


class CelsiusMaterializer(Materializer[Celsius]):
    """A custom materializer a user would write: JSON, with damage reported as CorruptArtifactError."""

    TYPES: ClassVar[tuple[type, ...]] = (Celsius,)
    FORMAT: ClassVar[str] = "celsius-json"

    def write(self, value: Celsius, artifact: ArtifactLocation) -> None:
        (Path(artifact.uri) / "c.json").write_text(json.dumps({"degrees": value.degrees}))

    def read(self, artifact: ArtifactLocation) -> Celsius:
        try:
            return Celsius(float(json.loads((Path(artifact.uri) / "c.json").read_text())["degrees"]))
        except (OSError, ValueError, KeyError) as exc:
            raise CorruptArtifactError(f"{artifact.uri}: {exc}") from exc


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


def test_the_kit_always_tries_the_given_examples() -> None:
    """A value passed as ``examples`` is checked even when the strategy never generates it."""

    class LosesHalves(CelsiusMaterializer):
        def read(self, artifact: ArtifactLocation) -> Celsius:
            return Celsius(float(round(super().read(artifact).degrees)))

    strategy = st.integers(-5, 5).map(lambda n: Celsius(float(n)))
    check_roundtrip(LosesHalves(), strategy, equal=lambda a, b: a == b, max_examples=5)
    with pytest.raises(AssertionError, match="read back"):
        check_roundtrip(LosesHalves(), strategy, equal=lambda a, b: a == b, max_examples=5, examples=[Celsius(0.5)])


class StampingMaterializer(CelsiusMaterializer):
    """Embeds the time of writing: the same value gives different bytes, so cache keys would never match."""

    FORMAT: ClassVar[str] = "celsius-stamped"

    def write(self, value: Celsius, artifact: ArtifactLocation) -> None:
        body = {"degrees": value.degrees, "written_at": time.time_ns()}
        (Path(artifact.uri) / "c.json").write_text(json.dumps(body))


def test_the_kit_catches_a_writer_that_embeds_a_timestamp() -> None:
    """Two writes of one value must give the same bytes; a timestamp in the file is caught."""
    with pytest.raises(AssertionError, match=r"different bytes in c\.json"):
        check_roundtrip(StampingMaterializer(), st.just(Celsius(21.5)), equal=lambda a, b: a == b, max_examples=2)


class SecondsMaterializer(CelsiusMaterializer):
    """Embeds the time of writing to the second, as many file headers do: equal for two writes in one second."""

    FORMAT: ClassVar[str] = "celsius-seconds"

    def write(self, value: Celsius, artifact: ArtifactLocation) -> None:
        body = {"degrees": value.degrees, "written_at": time.strftime("%Y-%m-%d %H:%M:%S")}
        (Path(artifact.uri) / "c.json").write_text(json.dumps(body))


class AddressMaterializer(CelsiusMaterializer):
    """Names the file after the value's memory address, as skops names its array files."""

    FORMAT: ClassVar[str] = "celsius-address"

    def write(self, value: Celsius, artifact: ArtifactLocation) -> None:
        (Path(artifact.uri) / f"{id(value)}.json").write_text(json.dumps({"degrees": value.degrees}))

    def read(self, artifact: ArtifactLocation) -> Celsius:
        found = sorted(Path(artifact.uri).glob("*.json"))
        if not found:
            raise CorruptArtifactError(f"{artifact.uri} holds no temperature.")
        return Celsius(json.loads(found[0].read_text())["degrees"])


def test_the_kit_catches_a_timestamp_to_the_second() -> None:
    """The kit's second write happens in another second, so a timestamp of one-second resolution is caught too."""
    with pytest.raises(AssertionError, match=r"different bytes in c\.json"):
        check_roundtrip(SecondsMaterializer(), st.just(Celsius(21.5)), equal=lambda a, b: a == b, max_examples=1)


def test_the_kit_catches_a_writer_that_embeds_a_memory_address() -> None:
    """The second write is of a deep copy of the value (another address), so ``id()`` in a file name is caught."""
    with pytest.raises(AssertionError, match="made files"):
        check_roundtrip(AddressMaterializer(), st.just(Celsius(21.5)), equal=lambda a, b: a == b, max_examples=1)


class ForgivingMaterializer(CelsiusMaterializer):
    """Reads damaged files as zero degrees instead of reporting them."""

    FORMAT: ClassVar[str] = "celsius-forgiving"

    def read(self, artifact: ArtifactLocation) -> Celsius:
        try:
            return super().read(artifact)
        except CorruptArtifactError:
            return Celsius(0.0)


def test_the_kit_catches_a_reader_that_hides_damage() -> None:
    """A truncated or missing file must raise CorruptArtifactError, never read as some other value."""
    with pytest.raises(AssertionError, match="instead of raising CorruptArtifactError"):
        check_roundtrip(ForgivingMaterializer(), st.just(Celsius(21.5)), equal=lambda a, b: a == b, max_examples=2)


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
from zen_run import _registry
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
