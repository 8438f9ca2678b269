"""The registry: which materializer writes a type, and which reads a stored format as a requested type.

Writers are chosen by the type's MRO: the materializer registered for the most specific class wins; two for the
same class is an error naming both (no silent pick). Readers are chosen by the artifact's recorded format and
the type the reader asks for, so one format can have several *views* (a parquet artifact read as a pandas
DataFrame or as a pyarrow Table). A reader is chosen for a requested type in this order: one that returns that
very type; one that returns a subclass of it (``Input[BaseEstimator]`` reads a stored pipeline); one that returns
a base class of it (``Input[LogisticRegression]``, ``Input[datetime]``, a user ``Enum``), which rebuilds the
exact class the value was written from, checked after reading.

Every class is validated when it is registered (a :class:`MaterializerDefinitionError` names the attribute),
and registering the same class twice is a no-op. Third-party materializers come in through the entry-point group
``zen.materializers``; zen's own optional ones (numpy, pandas, pyarrow, scikit-learn) live in their own modules
and are imported only when a type from that library, or one of their formats, is asked for: ``import
zen_materialize`` stays cheap and works without those libraries.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.util
import inspect
import re
import types
import typing
from collections.abc import Callable, Iterable
from typing import Final, TypeVar, get_args, get_origin

import attrs

from zen_materialize._base import ArtifactKind, ArtifactLocation, Materializer
from zen_materialize._reading import read_artifact
from zen_materialize.errors import (
    AmbiguousMaterializerError,
    MaterializerDefinitionError,
    MaterializerNotFoundError,
)
from zen_types import installed_entry_points, type_name

__all__ = ["ENTRY_POINT_GROUP", "MaterializerRegistry", "class_name", "default_registry"]

T = TypeVar("T")
AnyMaterializer = Materializer[object]
MaterializerClass = type[Materializer[object]]

ENTRY_POINT_GROUP: Final = "zen.materializers"
"""Each entry point names a Materializer subclass (registered as the writer of its TYPES) or a function taking
the registry (to register views, or several classes)."""

# Library (top-level module) -> the zen module that declares its materializers.
_LAZY_BY_LIBRARY: Final = {
    "numpy": "zen_materialize._numpy",
    "pandas": "zen_materialize._pandas",
    "pyarrow": "zen_materialize._arrow",
    "sklearn": "zen_materialize._sklearn",
    "torch": "zen_materialize._torch",
    "PIL": "zen_materialize._images",
    "polars": "zen_materialize._polars",
    "onnx": "zen_materialize._onnx",
}
# Stored format -> the zen modules that register its readers.
_LAZY_BY_FORMAT: Final = {
    "npy": ("zen_materialize._numpy",),
    "npy-scalar": ("zen_materialize._numpy",),
    "parquet": ("zen_materialize._pandas", "zen_materialize._arrow", "zen_materialize._polars"),
    "parquet-series": ("zen_materialize._pandas",),
    "skops": ("zen_materialize._sklearn",),
    "onnx": ("zen_materialize._onnx",),
    "safetensors": ("zen_materialize._torch",),
    "png": ("zen_materialize._images",),
    "png-list": ("zen_materialize._images",),
}
# Modules whose views need two libraries: loaded when one of their own classes is asked for, or when every
# listed library is installed and all materializers are listed.
_LAZY_VIEWS: Final = {"zen_materialize._torch_tables": ("torch", "pyarrow")}
_LIBRARIES_OF_MODULE: Final = {
    **{module: (library,) for library, module in _LAZY_BY_LIBRARY.items()},
    **_LAZY_VIEWS,
}
_FORMAT_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


def class_name(cls: type) -> str:
    """A class's name for messages: ``int`` for builtins, ``numpy.bool`` (not ``bool``) for the rest."""
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


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


_PROMOTIONS: Final[dict[type, tuple[type, ...]]] = {int: (float, complex), float: (complex,)}
"""The numeric promotions of the type system: a step declaring ``-> float`` may return an int, and a step reading
that output as ``Input[float]`` gets the int it returned."""


def _promoted(value: object, classes: tuple[type, ...]) -> bool:
    """True when ``value`` is an int (not a bool) or float standing for one of ``classes`` by promotion."""
    if isinstance(value, bool):
        return False
    return any(isinstance(value, small) and wide in classes for small, wides in _PROMOTIONS.items() for wide in wides)


def _is_record_class(cls: type) -> bool:
    return attrs.has(cls) or dataclasses.is_dataclass(cls)


def _validate(cls: object, *, writer: bool) -> MaterializerClass:
    """``cls`` as a materializer class, or a definition error naming the first attribute that is wrong."""
    name = f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', repr(cls))}"

    def bad(problem: str) -> MaterializerDefinitionError:
        return MaterializerDefinitionError(name, problem)

    if not (isinstance(cls, type) and issubclass(cls, Materializer)):
        raise bad("it is not a subclass of zen_materialize.Materializer.")
    if inspect.isabstract(cls):
        missing = ", ".join(sorted(getattr(cls, "__abstractmethods__", ())))
        raise bad(f"it does not implement {missing}; define write() and read().")
    fmt: object = cls.FORMAT  # class attributes of third-party classes can hold anything
    if not isinstance(fmt, str) or not _FORMAT_NAME.fullmatch(fmt):
        raise bad(f"FORMAT is {fmt!r}; set FORMAT to a name of letters, digits, '.', '_', '+' or '-'.")
    version: object = cls.FORMAT_VERSION
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise bad(f"FORMAT_VERSION is {version!r}; set it to a positive int and bump it when the files change.")
    for attribute in ("TYPES", "READ_TYPES"):
        declared: object = getattr(cls, attribute)
        if not isinstance(declared, tuple) or not all(isinstance(t, type) for t in declared):
            raise bad(f"{attribute} is {declared!r}; set it to a tuple of classes, like (MyType,).")
    if not cls.TYPES and not cls.READ_TYPES:
        raise bad("TYPES and READ_TYPES are both empty; list the classes it writes in TYPES.")
    if writer and object in cls.TYPES:
        raise bad(
            "TYPES contains object, so it would write every value; register it with writer=False and choose it "
            "explicitly where it is wanted."
        )
    if not isinstance(cls.KIND, ArtifactKind):
        raise bad(f"KIND is {cls.KIND!r}; set it to a member of zen_materialize.ArtifactKind.")
    if not isinstance(cls.DESCRIPTION, str):
        raise bad(f"DESCRIPTION is {cls.DESCRIPTION!r}; set it to a short text.")
    for method in ("write", "read", "metadata"):
        if not callable(getattr(cls, method, None)):
            raise bad(f"{method} is not a method.")
    return typing.cast("MaterializerClass", cls)  # validated above; values are checked at run time


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
        self._generation = 0

    @property
    def generation(self) -> int:
        """A number every registration changes: a caller that keeps what it looked up (a compiled pipeline, kept for
        the next run of the same pipeline instance) knows it is still what a look-up would give."""
        return self._generation

    def _changed(self) -> None:
        self._writer_cache.clear()
        self._generation += 1

    # -- registration ----------------------------------------------------------------------------------------

    def register(self, cls: type[Materializer[T]], *, writer: bool = True) -> type[Materializer[T]]:
        """Register ``cls`` as the writer of its ``TYPES`` (``writer=False``: only as a reader/view of its
        ``FORMAT``). Every attribute is validated first (``MaterializerDefinitionError``). Registering a second
        writer for the same type is allowed; looking it up is then an error until one is chosen explicitly.
        Registering the same class again changes nothing."""
        stored = _validate(cls, writer=writer)
        readers = self._readers.setdefault(stored.FORMAT, [])
        if stored in readers and not writer:
            return cls
        if writer:
            for tp in stored.TYPES:
                written = self._writers.setdefault(tp, [])
                if stored not in written:
                    written.append(stored)
        if stored not in readers:
            readers.append(stored)
        self._changed()
        return cls

    def register_record_writer(self, cls: type[Materializer[T]]) -> None:
        """The materializer for attrs classes and dataclasses (matched by shape, not by MRO)."""
        stored = _validate(cls, writer=False)
        self._record_writer = stored
        readers = self._readers.setdefault(stored.FORMAT, [])
        if stored not in readers:
            readers.append(stored)
        self._changed()

    def register_lazy(self, module: str, *, types: Iterable[str] = (), formats: Iterable[str] = ()) -> None:
        """Import ``module`` and register what it declares (see :meth:`load_module`) only when it is needed:
        when a type whose MRO contains one of ``types`` (fully qualified class names,
        ``"torch.nn.modules.module.Module"``) is written, or an artifact of one of ``formats`` is read. The
        libraries behind those types are imported only then, so registering costs nothing for processes that
        never use them."""
        for name in types:
            self._lazy_types[name] = module
        for fmt in formats:
            modules = self._lazy_formats.setdefault(fmt, [])
            if module not in modules:
                modules.append(module)
        self._changed()

    def load_entry_points(self) -> None:
        """Register the materializers installed distributions declare in the ``zen.materializers`` group.

        An entry point names a Materializer subclass (registered as a writer) or a function that takes this
        registry. A plugin that fails to import, or registers an invalid class, is a definition error naming
        the entry point and its distribution.
        """
        for point in sorted(installed_entry_points(ENTRY_POINT_GROUP), key=lambda p: p.name):
            dist = point.dist.name if point.dist is not None else "an unknown distribution"
            where = f"entry point {point.name} = {point.value} (from {dist}, group {ENTRY_POINT_GROUP})"
            try:
                target: object = point.load()
            except Exception as exc:  # any import-time failure of third-party code
                raise MaterializerDefinitionError(
                    where, f"loading it raised {type(exc).__name__}: {exc}. Fix or uninstall {dist}."
                ) from exc
            if isinstance(target, type):
                try:
                    self.register(target)
                except MaterializerDefinitionError as exc:
                    raise MaterializerDefinitionError(where, exc.problem) from exc
            elif callable(target):
                registrar = typing.cast("Callable[[MaterializerRegistry], object]", target)  # documented contract
                registrar(self)
            else:
                raise MaterializerDefinitionError(
                    where, "it names neither a Materializer subclass nor a function taking the registry."
                )

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

    def load_module(self, module: str) -> None:
        """Register the materializers a module declares: ``WRITERS`` (by type), ``VIEWS`` (readers only) and
        ``RECORD_WRITER`` (attrs classes and dataclasses), or a ``register(registry)`` function. zen's own modules
        are loaded this way."""
        loaded = importlib.import_module(module)
        register = getattr(loaded, "register", None)
        if callable(register):
            register(self)
        for cls in getattr(loaded, "WRITERS", ()):
            self.register(cls)
        for cls in getattr(loaded, "VIEWS", ()):
            self.register(cls, writer=False)
        record_writer = getattr(loaded, "RECORD_WRITER", None)
        if record_writer is not None:
            self.register_record_writer(record_writer)

    def _load(self, module: str) -> None:
        if module in self._loaded:
            return
        self._loaded.add(module)
        if any(importlib.util.find_spec(library) is None for library in _LIBRARIES_OF_MODULE.get(module, ())):
            return
        self.load_module(module)

    def _load_for(self, classes: Iterable[type]) -> None:
        """Load the modules registering materializers for ``classes``: by the library of each class in their
        MROs (a user's DataFrame or ``nn.Module`` subclass needs that library's materializers), by lazily
        registered qualified names, and the zen module defining a view class itself."""
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
            if len(candidates) > 1:
                names = ", ".join(c.ref().name for c in candidates)
                raise AmbiguousMaterializerError(
                    f"{type_name(tp)} can be written by several materializers registered for {base.__name__}: "
                    f"{names}. Choose one explicitly with step(materializers={{'output': ...}}) or register only one."
                )
            return candidates[0]
        if self._record_writer is not None and _is_record_class(cls):
            return self._record_writer
        raise MaterializerNotFoundError(self._missing(tp))

    def _missing(self, tp: object) -> str:
        classes = _classes_of(tp)
        spelled = class_name(classes[0]) if len(classes) == 1 else type_name(tp)
        return (
            f"type {spelled} has no materializer. Register one with "
            f"zen_materialize.default_registry().register(MyMaterializer) (a Materializer subclass with "
            f"TYPES = ({spelled},)), choose one for this output with step(materializers={{...}}), or opt in "
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
        """The materializer that reads artifacts of ``format`` as ``as_type`` (None: the format's own type).

        Preference: a reader returning exactly ``as_type``; else one returning a subclass of it; else one
        returning a base class of it, which must then rebuild the stored value's own class (see :meth:`read`).
        """
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
        narrower = [c for c in readers if any(issubclass(r, target) for r in c.reads())]
        wider = [c for c in readers if any(issubclass(target, r) for r in c.reads())]
        matches = exact or narrower or wider
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

    def read(
        self,
        artifact: ArtifactLocation,
        *,
        format: str,
        as_type: object = None,
        materializer: str | None = None,
        name: str | None = None,
    ) -> object:
        """Read an artifact of ``format`` as ``as_type`` (or, without one, with the materializer that wrote it).

        The value must be an instance of ``as_type``: asking for a subclass of what a reader returns is
        answered only when the stored value was written from that subclass. A library error while reading
        becomes an :class:`ArtifactReadError` naming the artifact (``name``, else its location) and the type.
        """
        if as_type is None and materializer is not None:
            chosen = self.by_name(materializer, format=format)
        else:
            chosen = self.reader_for(format, as_type)
        label = name or artifact.uri
        wanted = "the stored type" if as_type is None else type_name(as_type)
        value = read_artifact(chosen, artifact, artifact=label, wanted=wanted)
        classes = tuple(c for c in _classes_of(as_type) if c is not object) if as_type is not None else ()
        if classes and not isinstance(value, classes) and not _promoted(value, classes):
            raise MaterializerNotFoundError(
                f"artifact {label} holds a {class_name(type(value))}, not a {type_name(as_type)}: it was written "
                f"from another class. Declare Input[{type(value).__qualname__}] (or a base class of it)."
            )
        return value


_DEFAULT: list[MaterializerRegistry] = []
"""The process-wide registry, built on first use (cleared only by the process ending)."""


def default_registry() -> MaterializerRegistry:
    """The process-wide registry: zen's built-in materializers, the optional ones (loaded on first use) and the
    installed ``zen.materializers`` entry points."""
    if not _DEFAULT:
        registry = MaterializerRegistry()
        registry.load_module("zen_materialize._builtins")
        _DEFAULT.append(registry)  # first, so a plugin that registers on default_registry() finds this one
        try:
            registry.load_entry_points()
        except BaseException:
            _DEFAULT.clear()
            raise
    return _DEFAULT[0]
