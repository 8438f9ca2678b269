"""Hand-made tricky values, one family at a time, each with the outcome zen promises for it.

``ROUNDTRIP`` means the value reads back equal and of exactly its class (``same_value``) when read as its
declared type; any other outcome is the text the refusal must contain to name the spot (a column, a field, a
key). The classes values are made of are defined here at module level, so they can be imported back.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import decimal
import enum
import functools
import math
import pathlib
import struct
import uuid
import warnings
import zoneinfo
from collections.abc import Callable
from typing import Final, NamedTuple

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from zen_materialize.testing import same_value

ROUNDTRIP: Final = "round trip"


def equal(a: object, b: object) -> bool:
    """``same_value``, with estimators compared by class, parameters and predictions (they have no ``==``)."""
    if isinstance(a, BaseEstimator):
        probe = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
        if type(a) is not type(b) or repr(a.get_params(deep=True)) != repr(b.get_params(deep=True)):  # type: ignore[attr-defined]  # b has a's type
            return False
        width = getattr(a, "n_features_in_", 2)
        return bool(np.array_equal(a.predict(probe[:, :width]), b.predict(probe[:, :width])))  # type: ignore[attr-defined]  # fitted estimators
    return same_value(a, b)


class Color(enum.Enum):
    """A plain enum."""

    RED = 1
    BLUE = "blue"


class Mode(enum.StrEnum):
    """A StrEnum (its members are str)."""

    FAST = "fast"
    SLOW = "slow"


class Level(str, enum.Enum):  # noqa: UP042 - the older spelling is the case under test
    """The older spelling of a string enum."""

    LOW = "low"


class Perm(enum.Flag):
    """Flags combine."""

    R = 1
    W = 2


class Pair(NamedTuple):
    """A named tuple."""

    left: int
    right: str


@attrs.frozen
class Price:
    """An attrs record with fields cattrs could not rebuild before."""

    amount: decimal.Decimal
    currency: str
    id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class Cat:
    """One member of a union of records."""

    name: str


@dataclasses.dataclass(frozen=True)
class Dog:
    """The other member."""

    name: str
    good: bool = True


@attrs.frozen
class Shelter:
    """Holds a union of record classes, a set, and private and non-init fields."""

    animals: list[Cat | Dog]
    tags: frozenset[str]
    _secret: int = 0
    computed: int = attrs.field(init=False, default=7)


@dataclasses.dataclass
class Event:
    """A dataclass with time values."""

    at: dt.datetime
    took: dt.timedelta


class Prices(pd.DataFrame):  # type: ignore[misc,no-any-unimported]  # pandas is untyped
    """A DataFrame subclass."""

    @property
    def _constructor(self) -> type[Prices]:
        return Prices


class Returns(pd.Series):  # type: ignore[misc,no-any-unimported]  # pandas is untyped
    """A Series subclass."""

    @property
    def _constructor(self) -> type[Returns]:
        return Returns


class Wrapper(np.ndarray[tuple[int, ...], np.dtype[np.float64]]):
    """An ndarray subclass zen cannot rebuild."""


class Size(enum.IntEnum):
    """An IntEnum (its members are ints)."""

    SMALL = 1


class Access(enum.IntFlag):
    """An IntFlag."""

    READ = 1
    WRITE = 2


class Corner(enum.Enum):
    """Members whose values are tuples."""

    TOP_LEFT = (0, 0)


class Palette:
    """Holds an enum class: its qualified name has a dot."""

    class Tone(enum.Enum):
        """A nested enum."""

        DARK = "dark"


class Span(NamedTuple):
    """A named tuple with a default."""

    start: int
    stop: int = 10


Point3 = collections.namedtuple("Point3", ["x", "y", "z"], defaults=[0])


@attrs.frozen
class Account:
    """Keyword-only and private (aliased) fields."""

    owner: str = attrs.field(kw_only=True)
    _balance: decimal.Decimal = decimal.Decimal(0)


@dataclasses.dataclass
class Scaled:
    """A dataclass with slots (no __dict__)."""

    __slots__ = ("value",)
    value: float


def _bump(n: int) -> int:
    return n + 1


@attrs.define
class Bumped:
    """A record whose converter changes what it is given: rebuilt from its stored field it would be bumped again."""

    count: int = attrs.field(converter=_bump)


@dataclasses.dataclass
class Padded:
    """A dataclass whose ``__post_init__`` appends to its field."""

    items: list[int]

    def __post_init__(self) -> None:
        self.items = [*self.items, 0]


class Weights(pd.DataFrame):  # type: ignore[misc,no-any-unimported]  # pandas is untyped
    """A DataFrame subclass with an attribute of its own that pandas carries along (``_metadata``)."""

    _metadata = ["unit"]  # noqa: RUF012 - pandas' own convention for subclass attributes

    @property
    def _constructor(self) -> type[Weights]:
        return Weights


class Readings(pd.Series):  # type: ignore[misc,no-any-unimported]  # pandas is untyped
    """A Series subclass with an attribute of its own."""

    _metadata = ["sensor"]  # noqa: RUF012 - pandas' own convention for subclass attributes

    @property
    def _constructor(self) -> type[Readings]:
        return Readings


def _with_attribute(value: object, name: str, attribute: object) -> object:
    setattr(value, name, attribute)
    return value


def _contains_itself() -> object:
    items: list[object] = [1]
    items.append(items)
    return items


def _index_named(name: object) -> object:
    return pd.DataFrame({"a": [1]}, index=pd.Index([3], name=name))


def _user_function(x: object) -> object:
    return x


def _local_class() -> type:
    @dataclasses.dataclass
    class Local:
        x: int

    return Local


_LOCAL: Final = _local_class()


def _nan_with_payload(bits: int) -> float:
    value: float = struct.unpack(">d", bits.to_bytes(8, "big"))[0]
    return value


def _model() -> object:
    x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.5)).fit(x, [0, 1, 1, 0])


def _logistic() -> object:
    return LogisticRegression().fit(np.array([[0.0], [1.0]]), [0, 1])


def _matrix() -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asmatrix([[1, 2], [3, 4]])


def _frame_with(**columns: object) -> object:
    return pd.DataFrame(columns)


def _attrs_frame() -> object:
    frame = pd.DataFrame({"a": [1, 2]})
    frame.attrs = {"source": "sensor", "version": 2}
    return frame


def _tuple_attrs_frame() -> object:
    frame = pd.DataFrame({"a": [1]})
    frame.attrs = {"shape": (1, 2)}
    return frame


PARIS: Final = zoneinfo.ZoneInfo("Europe/Paris")
NEW_YORK: Final = zoneinfo.ZoneInfo("America/New_York")


@attrs.frozen
class Case:
    """One tricky value: its family, how it is made, the type a step declares for it, and the promise."""

    family: str
    name: str
    make: Callable[[], object]
    declared: object
    outcome: str = ROUNDTRIP

    @property
    def id(self) -> str:
        """The test id: family and name."""
        return f"{self.family}: {self.name}"


CASES: Final = [
    # Values read back as the type their step declares, a subclass of what the materializer claims.
    Case("declared subclass", "datetime", lambda: dt.datetime(2024, 5, 1, 12, 30), dt.datetime),
    Case("declared subclass", "date", lambda: dt.date(2024, 5, 1), dt.date),
    Case("declared subclass", "Path", lambda: pathlib.Path("data/x.csv"), pathlib.Path),
    Case("declared subclass", "user Enum", lambda: Color.BLUE, Color),
    Case("declared subclass", "IntFlag-like Flag", lambda: Perm.R | Perm.W, Perm),
    Case("declared subclass", "attrs record", lambda: Price(decimal.Decimal("1.10"), "EUR", uuid.UUID(int=7)), Price),
    Case("declared subclass", "dataclass record", lambda: Cat("tom"), Cat),
    Case("declared subclass", "concrete estimator", _logistic, LogisticRegression),
    Case("declared subclass", "estimator as base class", _model, Pipeline),
    Case("declared subclass", "DataFrame subclass", lambda: Prices({"p": [1.0, 2.0]}), Prices),
    Case("declared subclass", "Series subclass", lambda: Returns([0.1, 0.2], name="r"), Returns),
    # Subclasses of claimed types keep their class.
    Case("subclass kept", "StrEnum member", lambda: Mode.FAST, Mode),
    Case("subclass kept", "(str, Enum) member", lambda: Level.LOW, Level),
    Case("subclass kept", "StrEnum in a list[str]", lambda: [Mode.SLOW, "x"], list[str]),
    Case("subclass kept", "StrEnum dict key", lambda: {Mode.FAST: 1, "fast": 2}, dict[str, int]),
    Case("subclass kept", "NamedTuple", lambda: Pair(1, "a"), tuple[int, str]),
    Case("subclass kept", "OrderedDict", lambda: collections.OrderedDict([("b", 1), ("a", 2)]), dict[str, int]),
    Case("subclass kept", "defaultdict(list)", lambda: collections.defaultdict(list, {"a": [1]}), dict[str, list[int]]),
    Case("subclass kept", "Counter", lambda: collections.Counter("abca"), dict[str, int]),
    Case("subclass kept", "numpy.float64 as float", lambda: np.float64(0.1), float),
    Case("subclass kept", "numpy.str_ as str", lambda: np.str_("ab"), str),
    Case("subclass kept", "numpy.bool", lambda: np.bool_(True), np.bool_),
    Case("subclass kept", "numpy.int8", lambda: np.int8(-3), np.int8),
    Case("subclass kept", "numpy.datetime64[ns]", lambda: np.datetime64(1, "ns"), np.datetime64),
    Case("subclass kept", "PurePosixPath", lambda: pathlib.PurePosixPath("a/b"), pathlib.PurePath),
    Case("subclass kept", "PureWindowsPath", lambda: pathlib.PureWindowsPath("C:/a/b"), pathlib.PurePath),
    Case("subclass kept", "numpy.matrix", _matrix, np.ndarray),
    Case(
        "subclass kept",
        "numpy.recarray",
        lambda: np.rec.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]),
        np.ndarray,
    ),
    Case("subclass kept", "dict keeps insertion order", lambda: {"b": 1, "a": 2}, dict[str, int]),
    Case(
        "subclass refused",
        "pandas.Timestamp with ns",
        lambda: pd.Timestamp("2024-01-01 00:00:00.000000001"),
        dt.datetime,
        "value",
    ),
    Case("subclass refused", "ndarray subclass", lambda: np.zeros(3).view(Wrapper), np.ndarray, "value"),
    Case(
        "subclass refused",
        "MaskedArray",
        lambda: np.ma.masked_array([1, 2], mask=[False, True]),
        np.ndarray,
        "masked array",
    ),
    Case("subclass refused", "set subclass", lambda: type("S", (set,), {})({1}), set[int], "subclass of set"),
    # Time zones, fold, NaN payloads.
    Case("time", "ZoneInfo zone by key", lambda: dt.datetime(2024, 3, 31, 1, 30, tzinfo=PARIS), dt.datetime),
    Case("time", "fold=1", lambda: dt.datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=NEW_YORK), dt.datetime),
    Case(
        "time",
        "named fixed offset",
        lambda: dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5), "EST")),
        dt.datetime,
    ),
    Case("time", "UTC", lambda: dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime),
    Case(
        "time",
        "uncached ZoneInfo",
        lambda: dt.datetime(2024, 7, 1, tzinfo=zoneinfo.ZoneInfo.no_cache("Europe/Paris")),
        dt.datetime,
    ),
    Case("time", "time with zone and fold", lambda: dt.time(1, 30, fold=1, tzinfo=dt.UTC), dt.time),
    Case("time", "timedelta", lambda: dt.timedelta(days=-1, microseconds=5), dt.timedelta),
    Case("time", "other tzinfo class", lambda: dt.datetime(2024, 1, 1, tzinfo=_OtherZone()), dt.datetime, "time zone"),
    Case("float", "-nan", lambda: -math.nan, float),
    Case("float", "NaN payload", lambda: _nan_with_payload(0x7FF8000000000123), float),
    Case("float", "-0.0", lambda: -0.0, float),
    Case("float", "NaN in a set", lambda: {math.nan, -math.nan, 1.0}, set[float]),
    Case("declared subclass", "int returned for float", lambda: 3, float),
    Case("declared subclass", "float returned for complex", lambda: 0.5, complex),
    Case("float", "inf in a tuple", lambda: (math.inf, -math.inf), tuple[float, float]),
    Case("float", "complex", lambda: complex(1.5, -math.nan), complex),
    Case("float", "NaN payload in an array", lambda: np.array([_nan_with_payload(0xFFF8000000000001)]), np.ndarray),
    # Records.
    Case(
        "records",
        "Decimal and UUID fields",
        lambda: Price(decimal.Decimal("-0.000"), "USD", uuid.uuid5(uuid.NAMESPACE_DNS, "a")),
        Price,
    ),
    Case(
        "records",
        "union of record classes",
        lambda: Shelter([Cat("a"), Dog("b", good=False)], frozenset({"z", "y"}), 3),
        Shelter,
    ),
    Case(
        "records",
        "datetime and timedelta fields",
        lambda: Event(dt.datetime(2024, 1, 1, tzinfo=PARIS), dt.timedelta(1)),
        Event,
    ),
    Case("records", "record in a list", lambda: [Cat("a"), Dog("b")], list[object]),
    Case("records", "local dataclass", lambda: _LOCAL(1), _LOCAL, "cannot be imported back"),
    Case("records", "Decimal NaN", lambda: decimal.Decimal("sNaN"), decimal.Decimal),
    Case("records", "converter that changes its input", lambda: Bumped(1), Bumped, "value.count"),
    Case("records", "__post_init__ that changes a field", lambda: Padded([1]), Padded, "value.items"),
    # Numbers and names that used to escape as raw library errors.
    Case("library errors", "10**5000", lambda: 10**5000, int),
    Case("library errors", "-(10**5000) as a dict key", lambda: {-(10**5000): 1}, dict[int, int]),
    Case("library errors", "a list containing itself", _contains_itself, list[object], "contains itself"),
    Case(
        "library errors",
        "defaultdict with a partial as factory",
        lambda: collections.defaultdict(functools.partial(int, "7")),
        dict[str, int],
        "has no import path",
    ),
    Case("library errors", "-(2**64) in a list", lambda: [-(2**64)], list[int]),
    Case("library errors", "numpy.bool in a dict", lambda: {"ok": np.bool_(False)}, dict[str, object]),
    Case("library errors", "object array", lambda: np.array([1, "a"], dtype=object), np.ndarray, "Python objects"),
    Case(
        "library errors",
        "FunctionTransformer(user function)",
        lambda: FunctionTransformer(_user_function),
        FunctionTransformer,
        "does not trust",
    ),
    Case(
        "library errors",
        "set of a class zen-json has no encoding for",
        lambda: {1: object()},
        dict[int, object],
        "value[1]",
    ),
    # More members of the families above.
    Case("subclass kept", "IntEnum member", lambda: Size.SMALL, Size),
    Case("subclass kept", "IntFlag combination", lambda: Access.READ | Access.WRITE, Access),
    Case("subclass kept", "enum with tuple values", lambda: Corner.TOP_LEFT, Corner),
    Case("subclass kept", "enum nested in a class", lambda: Palette.Tone.DARK, Palette.Tone),
    Case("subclass kept", "enum members in a set", lambda: {Mode.FAST, Mode.SLOW, "fast"}, set[str]),
    Case("subclass kept", "NamedTuple with a default", lambda: Span(3), tuple[int, int]),
    Case("subclass kept", "collections.namedtuple", lambda: Point3(1, 2), tuple[int, int, int]),
    Case(
        "subclass kept",
        "Counter with int keys and negative counts",
        lambda: collections.Counter({2: -1, 1: 0}),
        dict[int, int],
    ),
    Case("subclass kept", "numpy.float32 -nan", lambda: np.float32(-math.nan), np.float32),
    Case("subclass kept", "numpy.datetime64 NaT", lambda: np.datetime64("NaT", "s"), np.datetime64),
    Case("subclass kept", "numpy.timedelta64[us]", lambda: np.timedelta64(5, "us"), np.timedelta64),
    Case("subclass refused", "list subclass", lambda: type("Tags", (list,), {})(["a"]), list[str], "subclass of list"),
    Case("subclass refused", "pandas.Timedelta", lambda: pd.Timedelta(1), dt.timedelta, "subclass of timedelta"),
    Case(
        "records", "kw_only and private fields", lambda: Account(owner="ann", balance=decimal.Decimal("2.50")), Account
    ),
    Case("records", "dataclass with slots", lambda: Scaled(0.5), Scaled),
    Case("records", "Decimal with a huge exponent", lambda: decimal.Decimal("-1E+999999"), decimal.Decimal),
    Case("records", "signalling Decimal NaN with payload", lambda: decimal.Decimal("-sNaN123"), decimal.Decimal),
    Case("plain", "set of tuples", lambda: {(1, "a"), (2, "b")}, set[tuple[int, str]]),
    Case("plain", "set of frozensets", lambda: {frozenset({1}), frozenset({2, 3})}, set[frozenset[int]]),
    Case("plain", "text with a lone surrogate and NUL", lambda: "a\udc80\x00b", str),
    Case("plain", "dict whose keys look like tags", lambda: {"$set": [1], "$tuple": 2}, dict[str, object]),
    Case("plain", "dict with tuple keys", lambda: {(1, 2): "a"}, dict[tuple[int, int], str]),
    Case("plain", "bytearray", lambda: bytearray(b"\x00\xff"), bytearray),
    Case("plain", "bool declared int", lambda: True, int),
    # pandas: what pyarrow rewrites is kept or refused.
    Case(
        "pandas",
        "Decimal cells",
        lambda: _frame_with(d=[decimal.Decimal("1.25"), decimal.Decimal("-2.50")]),
        pd.DataFrame,
    ),
    Case("pandas", "date cells", lambda: _frame_with(d=[dt.date(2024, 1, 1), dt.date(1, 1, 1)]), pd.DataFrame),
    Case("pandas", "UUID cells", lambda: _frame_with(u=[uuid.UUID(int=1), uuid.UUID(int=2)]), pd.DataFrame),
    Case(
        "pandas",
        "string CategoricalIndex",
        lambda: pd.DataFrame({"a": [1, 2]}, index=pd.CategoricalIndex(["x", "y"])),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "datetime categorical",
        lambda: _frame_with(c=pd.Categorical(pd.to_datetime(["2024-01-01", "2024-01-02"]))),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "string categorical with a missing value",
        lambda: _frame_with(c=pd.Categorical(["a", None])),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "datetime64[s] index",
        lambda: pd.DataFrame({"a": [1]}, index=pd.DatetimeIndex(np.array(["2024-01-01"], dtype="datetime64[s]"))),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "datetime64[ms] with NaT",
        lambda: _frame_with(t=np.array(["2024-01-01", "NaT"], dtype="datetime64[ms]")),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "business-day freq",
        lambda: pd.DataFrame({"a": [1, 2]}, index=pd.date_range("2024-01-01", periods=2, freq="B")),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "freq of a zoned index",
        lambda: pd.DataFrame({"a": [1, 2]}, index=pd.date_range("2024", periods=2, freq="D", tz="Europe/Paris")),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "PeriodIndex",
        lambda: pd.DataFrame({"a": [1, 2]}, index=pd.period_range("2024-01", periods=2, freq="M")),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "IntervalIndex",
        lambda: pd.DataFrame({"a": [1, 2]}, index=pd.interval_range(0, 2, closed="both")),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "Float64 and UInt64 with NA",
        lambda: _frame_with(f=pd.array([0.5, None], dtype="Float64"), u=pd.array([2**64 - 1, None], dtype="UInt64")),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "pyarrow-backed dtypes",
        lambda: _frame_with(
            s=pd.array(["a", None], dtype="string[pyarrow]"), i=pd.array([1, None], dtype="int64[pyarrow]")
        ),
        pd.DataFrame,
    ),
    Case("pandas", "float column labels", lambda: pd.DataFrame({1.5: [1], 2.5: [2]}), pd.DataFrame),
    Case("pandas", "non-unique index", lambda: pd.DataFrame({"a": [1, 2]}, index=[0, 0]), pd.DataFrame),
    Case("pandas", "empty frame", pd.DataFrame, pd.DataFrame),
    Case(
        "pandas", "sparse column", lambda: _frame_with(s=pd.arrays.SparseArray([0, 1, 0])), pd.DataFrame, "column 's'"
    ),
    Case(
        "pandas",
        "datetime objects in an object column",
        lambda: _frame_with(d=pd.Series([dt.datetime(2024, 1, 1)], dtype=object)),
        pd.DataFrame,
        "column 'd'",
    ),
    Case(
        "pandas",
        "frozensets as row labels",
        lambda: pd.Series([1, 2], index=pd.Index([frozenset({1}), frozenset({2})])),
        pd.Series,
        "the index",
    ),
    Case(
        "pandas",
        "int beyond int64 as a row label",
        lambda: pd.DataFrame({"a": [1]}, index=pd.Index([2**70], dtype=object)),
        pd.DataFrame,
        "the index",
    ),
    Case(
        "pandas",
        "duplicate labels disallowed",
        lambda: pd.DataFrame({"a": [1]}).set_flags(allows_duplicate_labels=False),
        pd.DataFrame,
        "flags",
    ),
    Case("pandas", "rows without columns", lambda: pd.DataFrame(index=pd.RangeIndex(2, 5)), pd.DataFrame),
    Case("pandas", "RangeIndex columns", lambda: pd.DataFrame(np.zeros((2, 3))), pd.DataFrame),
    Case(
        "pandas",
        "string categorical",
        lambda: _frame_with(c=pd.Categorical(["a", "b", "a"], categories=["b", "a", "z"], ordered=True)),
        pd.DataFrame,
    ),
    Case("pandas", "int categorical", lambda: _frame_with(c=pd.Categorical([1, 2, 1])), pd.DataFrame, "column 'c'"),
    Case(
        "pandas",
        "nullable dtypes",
        lambda: _frame_with(
            i=pd.array([1, None], dtype="Int64"),
            b=pd.array([True, None], dtype="boolean"),
            s=pd.array(["x", None], dtype="string"),
        ),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "tz-aware datetimes",
        lambda: _frame_with(t=pd.date_range("2024-03-31", periods=3, freq="h", tz="Europe/Paris")),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "datetime64[s]",
        lambda: _frame_with(t=np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[s]")),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "datetime64[s] in a zone",
        lambda: _frame_with(t=pd.Series(pd.date_range("2024", periods=2, unit="s", tz="UTC"))),
        pd.DataFrame,
    ),
    Case("pandas", "timedelta64[s]", lambda: _frame_with(t=np.array([1, 2], dtype="timedelta64[s]")), pd.DataFrame),
    Case("pandas", "interval", lambda: _frame_with(i=pd.interval_range(0, 2)), pd.DataFrame),
    Case("pandas", "period", lambda: _frame_with(p=pd.period_range("2024-01", periods=2, freq="M")), pd.DataFrame),
    Case("pandas", "dict cells", lambda: _frame_with(o=[{"a": 1}, {"b": 2}]), pd.DataFrame, "column 'o', row 0"),
    Case("pandas", "list cells", lambda: _frame_with(o=[[1], [2, 3]]), pd.DataFrame, "column 'o', row 0"),
    Case("pandas", "int column labels", lambda: pd.DataFrame({3: [1], 1: [2], 7: [3]}), pd.DataFrame),
    Case(
        "pandas",
        "bool column labels",
        lambda: pd.DataFrame([[1, 2]], columns=[True, False]),
        pd.DataFrame,
        "column labels",
    ),
    Case("pandas", "mixed column labels", lambda: pd.DataFrame({1: [1], "a": [2]}), pd.DataFrame, "column labels"),
    Case(
        "pandas",
        "tuple column labels",
        lambda: pd.DataFrame([[1, 2]], columns=pd.Index([("a", "b"), ("a", "c")], tupleize_cols=False)),
        pd.DataFrame,
        "column labels",
    ),
    Case(
        "pandas",
        "MultiIndex rows and columns",
        lambda: pd.DataFrame(
            [[1, 2], [3, 4]],
            index=pd.MultiIndex.from_tuples([(1, "x"), (2, "y")], names=["n", "s"]),
            columns=pd.MultiIndex.from_tuples([("a", "b"), ("a", "c")]),
        ),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "freq",
        lambda: pd.DataFrame({"a": [1, 2]}, index=pd.date_range("2024", periods=2, freq="D")),
        pd.DataFrame,
    ),
    Case("pandas", "attrs", _attrs_frame, pd.DataFrame),
    Case(
        "pandas",
        "attrs that are not JSON",
        lambda: _with_attribute(pd.DataFrame({"a": [1]}), "attrs", {"at": dt.date(2024, 1, 1)}),
        pd.DataFrame,
        "attrs",
    ),
    Case(
        "pandas",
        "-nan and NaN payloads in float columns",
        lambda: _frame_with(
            f=np.array([-math.nan, _nan_with_payload(0x7FF8000000000123), 1.0]),
            g=np.array([-math.nan, 0.0, 1.0], dtype="float32"),
        ),
        pd.DataFrame,
    ),
    Case("pandas", "-nan in a Series", lambda: pd.Series([-math.nan, 2.0], name="s"), pd.Series),
    Case(
        "pandas",
        "-nan in a float index",
        lambda: pd.DataFrame({"a": [1, 2]}, index=pd.Index([-math.nan, 1.0])),
        pd.DataFrame,
        "the index",
    ),
    Case("pandas", "float categorical", lambda: _frame_with(c=pd.Categorical([1.5, 2.5])), pd.DataFrame, "column 'c'"),
    Case(
        "pandas",
        "int categorical index",
        lambda: pd.DataFrame({"a": [1, 2]}, index=pd.CategoricalIndex([1, 2])),
        pd.DataFrame,
        "the index",
    ),
    Case(
        "pandas",
        "tuple row labels",
        lambda: pd.DataFrame({"a": [1, 2]}, index=pd.Index([(1, 2), (3, 4)], tupleize_cols=False)),
        pd.DataFrame,
        "the index",
    ),
    Case("pandas", "int index name", lambda: _index_named(7), pd.DataFrame, "the index names"),
    Case("pandas", "tuple index name", lambda: _index_named(("a", 1)), pd.DataFrame, "the index names"),
    Case(
        "pandas",
        "datetime64[s] MultiIndex level",
        lambda: pd.DataFrame(
            {"a": [1]},
            index=pd.MultiIndex.from_arrays([np.array(["2024-01-01"], dtype="datetime64[s]"), ["x"]]),
        ),
        pd.DataFrame,
        "the index",
    ),
    Case(
        "pandas",
        "freq with no text form",
        lambda: pd.DataFrame(
            {"a": [1, 2]}, index=pd.date_range("2024-01-01", periods=2, freq=pd.DateOffset(months=1, days=2))
        ),
        pd.DataFrame,
        "its freq",
    ),
    Case(
        "pandas",
        "business-day freq with holidays",
        lambda: pd.DataFrame(
            {"a": [1, 2]},
            index=pd.date_range("2024-01-01", periods=2, freq=pd.offsets.CustomBusinessDay(holidays=["2024-01-02"])),
        ),
        pd.DataFrame,
        "its freq",
    ),
    Case(
        "pandas",
        "dateutil zone column",
        lambda: _frame_with(t=pd.date_range("2024", periods=2, tz="dateutil/Europe/Paris")),
        pd.DataFrame,
        "column 't'",
    ),
    Case(
        "pandas",
        "fixed-offset zone column",
        lambda: _frame_with(t=pd.date_range("2024", periods=2, tz=dt.timezone(dt.timedelta(hours=3)))),
        pd.DataFrame,
    ),
    Case(
        "pandas",
        "DataFrame subclass with _metadata",
        lambda: _with_attribute(Weights({"w": [1.0]}), "unit", "kg"),
        Weights,
    ),
    Case(
        "pandas",
        "Series subclass with _metadata",
        lambda: _with_attribute(Readings([1.0], name="r"), "sensor", ("s", 1)),
        Readings,
    ),
    Case("pandas", "attrs JSON cannot keep", _tuple_attrs_frame, pd.DataFrame, "attrs"),
    Case("pandas", "complex column", lambda: _frame_with(c=[1 + 2j]), pd.DataFrame, "column 'c'"),
    Case(
        "pandas",
        "int beyond int64 in an object column",
        lambda: _frame_with(c=[2**70]),
        pd.DataFrame,
        "column 'c', row 0",
    ),
    Case("pandas", "mixed object column", lambda: _frame_with(m=[1, "a"]), pd.DataFrame, "column 'm'"),
    Case(
        "pandas",
        "duplicate column labels",
        lambda: pd.DataFrame([[1, 2]], columns=["a", "a"]),
        pd.DataFrame,
        "column 'a'",
    ),
    Case(
        "pandas",
        "bytes and float16",
        lambda: _frame_with(b=[b"x", b"y"], f=np.array([1, 2], dtype="float16")),
        pd.DataFrame,
    ),
    Case("pandas", "Series named with a tuple", lambda: pd.Series([1, 2], name=("a", 1)), pd.Series),
    Case("pandas", "Series with a RangeIndex", lambda: pd.Series([1.5], index=pd.RangeIndex(3, 4)), pd.Series),
    Case("pandas", "arrow date64", lambda: pa.table({"d": pa.array([0], type=pa.date64())}), pa.Table, "column 'd'"),
]


class _OtherZone(dt.tzinfo):
    """A tzinfo that is neither ZoneInfo nor timezone."""

    def utcoffset(self, when: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(hours=1)

    def dst(self, when: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)

    def tzname(self, when: dt.datetime | None) -> str:
        return "X"
