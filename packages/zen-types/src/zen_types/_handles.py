"""Artifact handles: ``Input[T]`` and ``Output[T]`` given to a running step, ``Handle[T]`` used while wiring.

Seed 001: complex data passes through annotated parameters with a ``.uri``. A step receives an ``Input[T]``
to read an upstream artifact and an ``Output[T]`` to write one, either through ``read()``/``write()`` (which use
the artifact's materializer) or by working with the files under ``.uri`` directly. The runner constructs these;
users only annotate with them. ``Handle[T]`` is the wiring-time stand-in for "output X of step Y": it exists
only while a pipeline body is traced and carries the output's declared type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, Never, NoReturn, Self, TypeVar

from zen_types import _messages
from zen_types._json import JSONValue
from zen_types._typing import Permissive
from zen_types.errors import OutputNameError, WiringError

__all__ = ["Handle", "Input", "OutputHandles", "Output"]

T = TypeVar("T")
V = TypeVar("V")
T_co = TypeVar("T_co", covariant=True)
N_co = TypeVar("N_co", covariant=True)


class Input(Generic[T]):
    """An upstream artifact given to a step: its location (``uri``) and ``read()`` to load it as ``T``."""

    __slots__ = ("_load", "metadata", "name", "uri")

    def __init__(
        self, *, uri: str, load: Callable[[], T], name: str = "", metadata: dict[str, JSONValue] | None = None
    ) -> None:
        self.uri = uri
        self.name = name
        self.metadata: dict[str, JSONValue] = dict(metadata or {})
        self._load = load

    def read(self) -> T:
        """Load the artifact's value with its materializer (or the view the annotation asks for)."""
        return self._load()

    def __repr__(self) -> str:
        return f"Input(name={self.name!r}, uri={self.uri!r})"


class Output(Generic[T]):
    """An artifact a step writes: ``write(value)`` with its materializer, or files under ``uri`` directly.

    ``metadata`` is a dict the step may fill; it is recorded with the artifact.
    """

    __slots__ = ("_store", "metadata", "name", "uri", "written")

    def __init__(self, *, uri: str, store: Callable[[T], None], name: str = "") -> None:
        self.uri = uri
        self.name = name
        self.metadata: dict[str, JSONValue] = {}
        self.written = False
        self._store = store

    def write(self, value: T) -> None:
        """Write ``value`` with the output's materializer (once; a second write replaces nothing and fails)."""
        if self.written:
            raise WiringError(f'Output "{self.name}" was already written; each output is written once per run.')
        self._store(value)
        self.written = True

    def __repr__(self) -> str:
        return f"Output(name={self.name!r}, uri={self.uri!r})"


class Handle(Generic[T_co]):
    """Output ``output_name`` of the step bound to slot ``producer``, while a pipeline body is wired.

    ``type`` is what the handle carries; ``stored_type`` is the output's declared type. They differ for a view
    (``handle.view(V)``): the artifact is stored as ``stored_type`` and read by the consuming step as ``V``.
    """

    __slots__ = ("output_name", "producer", "stored_type", "trace_id", "type")

    def __init__(
        self, *, producer: str, output_name: str, type_: object, trace_id: int, stored_type: object = None
    ) -> None:
        self.producer = producer
        self.output_name = output_name
        self.type = type_
        self.trace_id = trace_id
        self.stored_type = type_ if stored_type is None else stored_type

    @property
    def is_view(self) -> bool:
        """True when the consuming step reads the artifact as another type than the one it is stored as."""
        return self.stored_type is not self.type

    def view(self, as_type: type[V]) -> Handle[V]:
        """This output, read by the steps it feeds as ``as_type`` (a view of its stored format): for example
        ``load().view(TableDataset)`` hands a DataFrame artifact to a step as a torch ``Dataset``. Nothing is
        converted or copied when the pipeline runs; the consuming step reads the stored files with the reader
        registered for their format and ``as_type``. Compiling the pipeline checks that such a reader exists."""
        if not isinstance(as_type, type):
            raise WiringError(_messages.view_needs_a_class(repr(self), repr(as_type)))
        return Handle[V](
            producer=self.producer,
            output_name=self.output_name,
            type_=as_type,
            trace_id=self.trace_id,
            stored_type=self.stored_type,
        )

    def __repr__(self) -> str:
        from zen_types._assignability import type_name

        return f"Handle[{type_name(self.type)}]({self.producer}.{self.output_name})"

    # Arithmetic and ordering: typed to take nothing (``Never``), so every checker refuses ``h + 1`` where it is
    # written, and to give ``_UsedAsData``, which the mypy plugin knows was reported already (no second error
    # where the result is passed on). At run time each explains the mistake instead of a bare TypeError.
    def _used_as_data(self, operator: str) -> WiringError:
        from zen_types._assignability import type_name

        return WiringError(_messages.handle_used_as_data(_messages.operator_on_handle(operator, type_name(self.type))))

    def __add__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("+")

    def __radd__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("+")

    def __sub__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("-")

    def __rsub__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("-")

    def __mul__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("*")

    def __rmul__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("*")

    def __matmul__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("@")

    def __rmatmul__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("@")

    def __truediv__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("/")

    def __rtruediv__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("/")

    def __floordiv__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("//")

    def __rfloordiv__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("//")

    def __mod__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("%")

    def __rmod__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("%")

    def __pow__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("**")

    def __rpow__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("**")

    def __lshift__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("<<")

    def __rlshift__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("<<")

    def __rshift__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data(">>")

    def __rrshift__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data(">>")

    def __and__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("&")

    def __rand__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("&")

    def __xor__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("^")

    def __rxor__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("^")

    def __or__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("|")

    def __ror__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("|")

    def __lt__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("<")

    def __le__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data("<=")

    def __gt__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data(">")

    def __ge__(self, other: Never, /) -> _UsedAsData:
        raise self._used_as_data(">=")

    def __neg__(self) -> _UsedAsData:  # refused where passed on (the plugin: here)
        raise self._used_as_data("-")

    def __pos__(self) -> _UsedAsData:  # refused where passed on (the plugin: here)
        raise self._used_as_data("+")

    def __invert__(self) -> _UsedAsData:  # refused where passed on (the plugin: here)
        raise self._used_as_data("~")

    def __bool__(self) -> _UsedAsData:
        # Typed as returning a non-bool so checkers refuse ``if handle:`` (pyright does; mypy needs the plugin).
        raise WiringError(_messages.handle_used_as_data(f"truth value of {self!r}"))

    def __iter__(self) -> NoReturn:
        raise WiringError(_messages.handle_used_as_data(f"iterating over {self!r}"))

    def __len__(self) -> NoReturn:
        raise WiringError(_messages.handle_used_as_data(f"len() of {self!r}"))

    def __getitem__(self, key: object) -> NoReturn:
        raise WiringError(_messages.handle_used_as_data(f"indexing {self!r}"))


class _UsedAsData:
    """What a handle used as data gives, for type checkers: not a ``bool``, so ``if handle:`` is a type error
    (pyright); not a value, so the mypy plugin does not report it again where it is passed on."""


class OutputHandles(tuple[Handle[Permissive], ...], Generic[N_co]):
    """The handles of a step with several named outputs: unpack them in order or access them by name.

    ``N_co`` is the NamedTuple class of the outputs. The mypy plugin types ``outputs.train`` as the handle of
    field ``train``; other checkers see handles of any type (they cannot follow field names).
    """

    __slots__ = ()
    _names: tuple[str, ...]

    def __new__(cls, handles: tuple[Handle[object], ...]) -> Self:
        return super().__new__(cls, handles)

    def __getattr__(self, name: str) -> Handle[Permissive]:
        for handle in self:
            if handle.output_name == name:
                return handle
        known = ", ".join(h.output_name for h in self)
        raise OutputNameError(_messages.unknown_output(name, known))

    def names(self) -> Iterator[str]:
        """The output names, in declaration order."""
        return (h.output_name for h in self)
