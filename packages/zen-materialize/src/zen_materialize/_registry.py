"""The registry: which materializer writes a type, and which reads a stored format as a requested type.

Writers are chosen by the type's MRO: the materializer registered for the most specific class wins; two for the
same class is an error naming both (no silent pick). Readers are chosen by the artifact's recorded format and
the type the reader asks for, so one format can have several *views* (a parquet artifact read as a pandas
DataFrame or as a pyarrow Table). Third-party materializers (numpy, pandas, pyarrow, scikit-learn) live in
their own modules and are imported only when a type from that library, or one of their formats, is asked
for: ``import zen_materialize`` stays cheap and works without those libraries.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.util
import types
import typing
from collections.abc import Iterable
from typing import Final, TypeVar, get_args, get_origin

import attrs

from zen_materialize._base import Materializer
from zen_materialize.errors import AmbiguousMaterializerError, MaterializerNotFoundError
from zen_types import type_name

__all__ = ["MaterializerRegistry", "default_registry"]

T = TypeVar("T")
AnyMaterializer = Materializer[object]
MaterializerClass = type[Materializer[object]]

# Library (top-level module) -> the zen module whose import registers its materializers.
_LAZY_BY_LIBRARY: Final = {
    "numpy": "zen_materialize._numpy",
    "pandas": "zen_materialize._pandas",
    "pyarrow": "zen_materialize._arrow",
    "sklearn": "zen_materialize._sklearn",
    "torch": "zen_materialize._torch",
    "PIL": "zen_materialize._images",
}
# Stored format -> the zen modules that register its readers.
_LAZY_BY_FORMAT: Final = {
    "npy": ("zen_materialize._numpy",),
    "parquet": ("zen_materialize._pandas", "zen_materialize._arrow"),
    "skops": ("zen_materialize._sklearn",),
    "safetensors": ("zen_materialize._torch",),
    "png": ("zen_materialize._images",),
}
# Modules whose views need two libraries: loaded when one of their own classes is asked for, or when every
# listed library is installed and all materializers are listed.
_LAZY_VIEWS: Final = {"zen_materialize._torch_tables": ("torch", "pyarrow")}
_LIBRARIES_OF_MODULE: Final = {
    **{module: (library,) for library, module in _LAZY_BY_LIBRARY.items()},
    **_LAZY_VIEWS,
}


def _classes_of(tp: object) -> list[type]:
    """The runtime classes a type expression stands for (``int | None`` -> [int, NoneType])."""
    while get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    if tp is None:
        return [type(None)]
    supertype = getattr(tp, "__supertype__", None)
    if supertype is not None:
        return _classes_of(supertype)
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return [c for arg in get_args(tp) for c in _classes_of(arg)]
    if origin is typing.Literal:
        return sorted({type(v) for v in get_args(tp)}, key=lambda c: c.__name__)
    candidate = origin if origin is not None else tp
    return [candidate] if isinstance(candidate, type) else []


def _is_record_class(cls: type) -> bool:
    return attrs.has(cls) or dataclasses.is_dataclass(cls)


class MaterializerRegistry:
    """Materializer classes by the types they write and the formats they read."""

    def __init__(self) -> None:
        self._writers: dict[type, list[MaterializerClass]] = {}
        self._readers: dict[str, list[MaterializerClass]] = {}
        self._record_writer: MaterializerClass | None = None
        self._writer_cache: dict[object, AnyMaterializer] = {}
        self._loaded: set[str] = set()
        self._lazy_types: dict[str, str] = {}
        self._lazy_formats: dict[str, list[str]] = {}

    # -- registration ----------------------------------------------------------------------------------------

    def register(self, cls: type[Materializer[T]], *, writer: bool = True) -> type[Materializer[T]]:
        """Register ``cls`` as the writer of its ``TYPES`` (``writer=False``: only as a reader/view of its
        ``FORMAT``). Registering a second writer for the same type is allowed; looking it up is then an error
        until one is chosen explicitly."""
        if not cls.FORMAT:
            raise MaterializerNotFoundError(f"{cls.__qualname__} has no FORMAT; set FORMAT = 'your-format'.")
        stored = typing.cast("MaterializerClass", cls)  # kept by type and format; values are checked at run time
        if writer:
            for tp in cls.TYPES:
                self._writers.setdefault(tp, []).append(stored)
        self._readers.setdefault(cls.FORMAT, []).append(stored)
        self._writer_cache.clear()
        return cls

    def register_record_writer(self, cls: MaterializerClass) -> None:
        """The materializer for attrs classes and dataclasses (matched by shape, not by MRO)."""
        self._record_writer = cls
        self._readers.setdefault(cls.FORMAT, []).append(cls)
        self._writer_cache.clear()

    def register_lazy(self, module: str, *, types: Iterable[str] = (), formats: Iterable[str] = ()) -> None:
        """Import ``module`` and call its ``register(registry)`` only when it is needed: when a type whose MRO
        contains one of ``types`` (fully qualified class names, ``"torch.nn.modules.module.Module"``) is
        written, or an artifact of one of ``formats`` is read. The libraries behind those types are imported
        only then, so registering costs nothing for processes that never use them."""
        for name in types:
            self._lazy_types[name] = module
        for fmt in formats:
            modules = self._lazy_formats.setdefault(fmt, [])
            if module not in modules:
                modules.append(module)
        self._writer_cache.clear()

    def materializers(self) -> list[MaterializerClass]:
        """Every registered materializer class, once each (after loading the installed optional ones)."""
        for library, module in _LAZY_BY_LIBRARY.items():
            if importlib.util.find_spec(library) is not None:
                self._load(module)
        for module, libraries in _LAZY_VIEWS.items():
            if all(importlib.util.find_spec(library) is not None for library in libraries):
                self._load(module)
        for qualified, module in self._lazy_types.items():
            if importlib.util.find_spec(qualified.split(".")[0]) is not None:
                self._load(module)
        seen: dict[str, MaterializerClass] = {}
        for classes in self._readers.values():
            for cls in classes:
                seen.setdefault(cls.ref().name, cls)
        return list(seen.values())

    def _load(self, module: str) -> None:
        if module in self._loaded:
            return
        self._loaded.add(module)
        if any(importlib.util.find_spec(library) is None for library in _LIBRARIES_OF_MODULE.get(module, ())):
            return
        loaded = importlib.import_module(module)
        register: typing.Callable[[MaterializerRegistry], None] = loaded.register
        register(self)

    def _load_for(self, classes: Iterable[type]) -> None:
        """Load the modules registering materializers for ``classes``: by the library of each class in their
        MROs (a user's ``nn.Module`` subclass needs the torch materializers), by lazily registered qualified
        names, and the zen module defining a view class itself."""
        for cls in classes:
            for base in cls.__mro__:
                module = _LAZY_BY_LIBRARY.get(base.__module__.split(".")[0])
                if module is not None:
                    self._load(module)
                lazy = self._lazy_types.get(f"{base.__module__}.{base.__qualname__}")
                if lazy is not None:
                    self._load(lazy)
                if base.__module__ in _LIBRARIES_OF_MODULE:
                    self._load(base.__module__)

    def _load_format(self, format: str) -> None:
        for module in (*_LAZY_BY_FORMAT.get(format, ()), *self._lazy_formats.get(format, ())):
            self._load(module)

    # -- writers -----------------------------------------------------------------------------------------------

    def writer_for(self, tp: object) -> AnyMaterializer:
        """The materializer that writes values declared as ``tp`` (raises when none or several fit)."""
        try:
            cached = self._writer_cache.get(tp)
        except TypeError:  # an unhashable type expression: look it up every time
            cached = None
        if cached is not None:
            return cached
        classes = _classes_of(tp)
        self._load_for(classes)
        chosen: MaterializerClass | None = None
        for cls in classes:
            found = self._writer_for_class(cls, tp)
            if chosen is not None and found is not chosen:
                raise AmbiguousMaterializerError(
                    f"{type_name(tp)} needs one materializer for all its members, but {cls.__name__} is written by "
                    f"{found.__qualname__} and another member by {chosen.__qualname__}. Declare a narrower type or "
                    f"choose one explicitly with step(materializers={{'output': ...}})."
                )
            chosen = found
        if chosen is None:
            raise MaterializerNotFoundError(self._missing(tp))
        instance = chosen()
        with contextlib.suppress(TypeError):  # unhashable type expressions are simply not cached
            self._writer_cache[tp] = instance
        return instance

    def _writer_for_class(self, cls: type, tp: object) -> MaterializerClass:
        for base in cls.__mro__:
            candidates = self._writers.get(base)
            if not candidates:
                continue
            unique = list(dict.fromkeys(candidates))
            if len(unique) > 1:
                names = ", ".join(c.ref().name for c in unique)
                raise AmbiguousMaterializerError(
                    f"{type_name(tp)} can be written by several materializers registered for {base.__name__}: "
                    f"{names}. Choose one explicitly with step(materializers={{'output': ...}}) or register only one."
                )
            return unique[0]
        if self._record_writer is not None and _is_record_class(cls):
            return self._record_writer
        raise MaterializerNotFoundError(self._missing(tp))

    def _missing(self, tp: object) -> str:
        return (
            f"type {type_name(tp)} has no materializer. Register one with "
            f"zen_materialize.default_registry().register(MyMaterializer) (a Materializer subclass with "
            f"TYPES = ({type_name(tp)},)), choose one for this output with step(materializers={{...}}), or opt in "
            f"to pickle explicitly with PickleMaterializer (loading pickles executes code)."
        )

    def check_writer(self, cls: type[Materializer[T]], tp: object) -> AnyMaterializer:
        """Validate an explicit choice: ``cls`` must write every class ``tp`` stands for."""
        classes = _classes_of(tp)
        if not classes:
            raise MaterializerNotFoundError(f"cannot check {cls.__qualname__} against {type_name(tp)}.")
        for klass in classes:
            fits = any(issubclass(klass, written) for written in cls.TYPES) or (
                typing.cast("MaterializerClass", cls) is self._record_writer and _is_record_class(klass)
            )
            if not fits:
                raise MaterializerNotFoundError(
                    f"{cls.__qualname__} writes {', '.join(t.__name__ for t in cls.TYPES) or 'no types'}, "
                    f"not {type_name(tp)}. Choose a materializer for {type_name(tp)}."
                )
        return typing.cast("AnyMaterializer", cls())

    # -- readers -----------------------------------------------------------------------------------------------

    def by_name(self, name: str, *, format: str | None = None) -> AnyMaterializer:
        """The registered materializer whose import path is ``name`` (``format`` loads optional readers)."""
        if format is not None:
            self._load_format(format)
        for classes in self._readers.values():
            for cls in classes:
                if cls.ref().name == name:
                    return cls()
        raise MaterializerNotFoundError(
            f"materializer {name} is not registered in this process; import the module that defines it "
            f"(and register it) before reading, or read with an explicit type (artifact.read(as_type=...))."
        )

    def reader_for(self, format: str, as_type: object = None) -> AnyMaterializer:
        """The materializer that reads artifacts of ``format`` as ``as_type`` (None: the format's own type)."""
        self._load_format(format)
        if as_type is not None:
            self._load_for(_classes_of(as_type))
        readers = list(dict.fromkeys(self._readers.get(format, [])))
        if not readers:
            raise MaterializerNotFoundError(
                f"no materializer reads format {format!r}; install the library that wrote it (for example the "
                f"zen-materialize extra that provides it) or register a reader."
            )
        wanted = [c for c in _classes_of(as_type) if c is not type(None)] if as_type is not None else []
        if len(wanted) != 1 or wanted[0] is object:
            primary = [c for c in readers if not c.READ_TYPES]
            return (primary or readers)[0]()
        target = wanted[0]
        exact = [c for c in readers if target in c.reads()]
        loose = [c for c in readers if any(issubclass(r, target) for r in c.reads())]
        matches = exact or loose
        if not matches:
            views = ", ".join(f"{c.__qualname__} -> {'/'.join(r.__name__ for r in c.reads())}" for c in readers)
            raise MaterializerNotFoundError(
                f"no view reads format {format!r} as {type_name(as_type)} (available: {views})."
            )
        if len(matches) > 1:
            primary = [c for c in matches if not c.READ_TYPES]
            if len(primary) == 1:
                return primary[0]()
            names = ", ".join(c.ref().name for c in matches)
            raise AmbiguousMaterializerError(
                f"several views read format {format!r} as {type_name(as_type)}: {names}. Choose one explicitly."
            )
        return matches[0]()


_DEFAULT: list[MaterializerRegistry] = []


def default_registry() -> MaterializerRegistry:
    """The process-wide registry with zen's built-in materializers (optional ones load on first use)."""
    if not _DEFAULT:
        from zen_materialize import _builtins

        registry = MaterializerRegistry()
        _builtins.register(registry)
        _DEFAULT.append(registry)
    return _DEFAULT[0]
