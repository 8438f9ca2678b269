"""The built-in materializers' visualizations: read a little of the stored files, never the stored code.

- parquet (DataFrame, Series): the first rows, read from the first row groups only, with dtypes and the row
  count from the file's footer;
- npy: shape, dtype, min, max, mean and an SVG histogram from a memory-mapped array (an even sample past
  ``PREVIEW_MAX_BYTES``), or the picture itself for an 8-bit image array (H x W, or H x W x 3/4), and above
  the statistics a grid of thumbnails for a batch of images (N x H x W x 1/3/4, or N x H x W of 8-bit values);
- zen-json and zen-record-json: the stored JSON, verbatim (scalars and small dicts as they are);
- skops: the estimator's class and its parameters, read from the archive's JSON schema without loading it.

Every value shown is escaped. NumPy and pyarrow are imported inside the functions that need them, so this
module imports with the core install.
"""

from __future__ import annotations

import html
import json
import math
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from zen_materialize._image_grid import MAX_GRID_IMAGES, grid_html, is_image_stack, stack_grid
from zen_materialize._png import png_bytes
from zen_materialize._visualization import PREVIEW_MAX_BYTES, Html, Png, Visualization
from zen_materialize.errors import CorruptArtifactError

__all__ = [
    "histogram_svg",
    "json_preview",
    "npy_preview",
    "parquet_preview",
    "png_bytes",
    "png_file_preview",
    "safetensors_preview",
    "skops_preview",
]

HEAD_ROWS: Final = 20
MAX_COLUMNS: Final = 40
MAX_CELL: Final = 120
MAX_JSON_BYTES: Final = 256 * 1024
MAX_IMAGE_SIDE: Final = 2048
MAX_PNG_BYTES: Final = 16 * 1024 * 1024
BINS: Final = 30

_esc = html.escape


def _cell(value: object) -> str:
    text = str(value)
    return _esc(text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…")


def parquet_preview(path: Path, *, series: bool = False) -> Visualization:
    """The first rows of a parquet file as an HTML table, with dtypes and the row count."""
    import pyarrow
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        total = parquet.metadata.num_rows
        tables = []
        taken = 0
        for group in range(parquet.num_row_groups):
            if taken >= HEAD_ROWS:
                break
            table = parquet.read_row_group(group)
            tables.append(table)
            taken += table.num_rows
        head = pyarrow.concat_tables(tables) if tables else parquet.schema_arrow.empty_table()
        frame = head.slice(0, HEAD_ROWS).to_pandas()
    except (OSError, pyarrow.ArrowException, ValueError) as exc:
        raise CorruptArtifactError(f"{path} is not a readable parquet file: {exc}") from exc
    columns = list(frame.columns)[:MAX_COLUMNS]
    index_name = frame.index.name if frame.index.name is not None else ""
    header = "".join(f'<th>{_cell(c)}<div class="dtype">{_esc(str(frame.dtypes[c]))}</div></th>' for c in columns)
    body = "".join(
        f"<tr><th>{_cell(idx)}</th>" + "".join(f"<td>{_cell(row[c])}</td>" for c in columns) + "</tr>"
        for idx, (_, row) in zip(frame.index, frame.iterrows(), strict=True)
    )
    width = len(frame.columns)
    noun = "value" if series else "row"
    caption = f"{total} {noun}{'' if total == 1 else 's'}"
    if not series:
        caption += f" \u00d7 {width} column{'' if width == 1 else 's'}"
    if total > len(frame):
        caption += f"; the first {len(frame)} shown"
    if width > len(columns):
        caption += f"; the first {len(columns)} columns shown"
    return Html(
        f'<p class="caption">{_esc(caption)}</p><div style="overflow-x:auto"><table class="frame">'
        f"<thead><tr><th>{_cell(index_name)}</th>{header}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def histogram_svg(counts: Sequence[int], low: float, high: float, *, width: int = 480, height: int = 150) -> str:
    """Bars of a histogram with its range labelled (``counts`` from ``low`` to ``high``)."""
    top = max(counts, default=0) or 1
    plot_h = height - 24
    bar_w = width / max(len(counts), 1)
    bars = "".join(
        f'<rect x="{i * bar_w + 0.5:.1f}" y="{plot_h - c / top * plot_h:.1f}" width="{max(bar_w - 1, 1):.1f}" '
        f'height="{c / top * plot_h:.1f}" fill="#5f3dc4"><title>{c}</title></rect>'
        for i, c in enumerate(counts)
    )
    label = 'font-size="11" fill="#6c757d" font-family="sans-serif"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="histogram" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{bars}'
        f'<line x1="0" y1="{plot_h + 0.5}" x2="{width}" y2="{plot_h + 0.5}" stroke="#adb5bd"/>'
        f'<text x="0" y="{height - 6}" {label}>{_esc(f"{low:.4g}")}</text>'
        f'<text x="{width}" y="{height - 6}" text-anchor="end" {label}>{_esc(f"{high:.4g}")}</text></svg>'
    )


def png_file_preview(path: Path) -> Visualization:
    """A stored PNG file as it is (the browser decodes it), up to ``MAX_PNG_BYTES``; its size from the header."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(24)
            if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
                raise CorruptArtifactError(f"{path} is not a PNG file.")
            width, height = struct.unpack(">II", head[16:24])
            if size > MAX_PNG_BYTES:
                return Html(f'<p class="caption">{width}\u00d7{height} image, {size} bytes: too large to preview.</p>')
            handle.seek(0)
            data = handle.read()
    except OSError as exc:
        raise CorruptArtifactError(f"{path} cannot be read: {exc}") from exc
    return Png(data, alt=f"{width}\u00d7{height} image")


def npy_preview(path: Path) -> Visualization:
    """Shape, dtype and statistics of an ``.npy`` array with a histogram, or an 8-bit image as a picture."""
    import numpy as np

    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise CorruptArtifactError(f"{path} is not a readable .npy file: {exc}") from exc
    shape = tuple(int(n) for n in array.shape)
    is_image = (
        array.dtype == np.uint8
        and (array.ndim == 2 or (array.ndim == 3 and shape[2] in (1, 3, 4)))
        and 0 < shape[0] <= MAX_IMAGE_SIDE
        and 0 < shape[1] <= MAX_IMAGE_SIDE
    )
    if is_image:
        pixels = np.ascontiguousarray(array)
        channels = 1 if pixels.ndim == 2 else shape[2]
        rows = [pixels[i].tobytes() for i in range(shape[0])]
        data = png_bytes(rows, width=shape[1], height=shape[0], channels=channels)
        return Png(data, alt=f"{shape[1]}\u00d7{shape[0]} image ({channels} channel{'s' if channels > 1 else ''})")
    stats = _array_html(array, shape=shape, dtype=str(array.dtype))
    if not is_image_stack(shape, array.dtype.kind, array.dtype.itemsize):
        return stats
    grid, scaling = stack_grid(array)
    count = shape[0]
    size = "\u00d7".join(str(n) for n in shape[1:])
    shown = f"the first {MAX_GRID_IMAGES} shown" if count > MAX_GRID_IMAGES else "all shown"
    caption = f"{count} image{'s' if count != 1 else ''} of {size} ({array.dtype}), {shown}"
    return Html(grid_html(grid, caption=caption + (f"; {scaling}" if scaling else "")) + stats.html)


def _array_html(array: object, *, shape: tuple[int, ...], dtype: str) -> Html:
    """Shape, dtype, min/max/mean (from an even sample past ``PREVIEW_MAX_BYTES``) and a histogram."""
    import numpy as np

    if not isinstance(array, np.ndarray):  # pragma: no cover - np.load and np.memmap return arrays
        raise CorruptArtifactError(f"expected an array, got {type(array).__name__}.")
    facts: list[tuple[str, str]] = [("shape", str(shape)), ("dtype", dtype)]
    histogram = ""
    numeric = array.dtype.kind in "biuf" and array.size > 0
    if numeric:
        flat = array.reshape(-1)
        step = max(1, math.ceil(array.nbytes / PREVIEW_MAX_BYTES))
        sample = np.asarray(flat[::step], dtype="float64")
        finite = sample[np.isfinite(sample)]
        if step > 1:
            facts.append(("sampled", f"every {step}th value ({sample.size} of {flat.size})"))
        if finite.size:
            low, high = float(finite.min()), float(finite.max())
            facts += [("min", f"{low:.6g}"), ("max", f"{high:.6g}"), ("mean", f"{float(finite.mean()):.6g}")]
            if finite.size < sample.size:
                facts.append(("not finite", str(int(sample.size - finite.size))))
            counts, _ = np.histogram(finite, bins=BINS, range=(low, high) if high > low else (low - 0.5, low + 0.5))
            histogram = histogram_svg([int(c) for c in counts], low, high)
    elif array.size:
        first = np.asarray(array.reshape(-1)[: min(array.size, 10)])
        facts.append(("first values", ", ".join(_cell(v) for v in first.tolist())))
    rows_html = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in facts)
    return Html(f'<table class="stats">{rows_html}</table>{histogram}')


_SAFETENSORS_DTYPES: Final = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U64": "<u8",
    "U32": "<u4",
    "U16": "<u2",
    "U8": "u1",
    "BOOL": "?",
}
_MAX_HEADER: Final = 1024 * 1024


def safetensors_preview(path: Path, key: str) -> Visualization:
    """Shape, dtype and statistics of tensor ``key`` in a safetensors file, memory-mapped from its header's
    offsets (dtypes NumPy has no type for, such as bfloat16, show shape and dtype only)."""
    import numpy as np

    try:
        with path.open("rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            if length > _MAX_HEADER:
                raise CorruptArtifactError(f"{path}: a {length}-byte safetensors header is not plausible.")
            header = json.loads(handle.read(length))
    except (OSError, struct.error, ValueError) as exc:
        raise CorruptArtifactError(f"{path} is not a readable safetensors file: {exc}") from exc
    entry = header.get(key) if isinstance(header, dict) else None
    if not isinstance(entry, dict):
        raise CorruptArtifactError(f"{path} holds no tensor named {key!r}.")
    shape = tuple(int(n) for n in entry.get("shape", []))
    dtype_name = str(entry.get("dtype"))
    offsets = entry.get("data_offsets", [0, 0])
    numpy_dtype = _SAFETENSORS_DTYPES.get(dtype_name)
    count = math.prod(shape)
    if numpy_dtype is None or count == 0:
        rows = f"<tr><th>shape</th><td>{_esc(str(shape))}</td></tr><tr><th>dtype</th><td>{_esc(dtype_name)}</td></tr>"
        return Html(f'<table class="stats">{rows}</table>')
    try:
        flat = np.memmap(path, dtype=numpy_dtype, mode="r", offset=8 + length + int(offsets[0]), shape=(count,))
    except (OSError, ValueError) as exc:
        raise CorruptArtifactError(f"{path}: the tensor's data is missing or truncated ({exc}).") from exc
    return _array_html(flat, shape=shape, dtype=dtype_name.lower())


def json_preview(path: Path) -> Visualization:
    """The stored JSON value, verbatim (large files: the first part, said so)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            text = handle.read(MAX_JSON_BYTES).decode("utf-8", errors="replace")
    except OSError as exc:
        raise CorruptArtifactError(f"{path} cannot be read: {exc}") from exc
    if size > MAX_JSON_BYTES:
        return Html(
            f'<p class="caption">{size} bytes of JSON; the first {MAX_JSON_BYTES} shown</p>'
            f'<pre class="code">{_esc(text)}</pre>'
        )
    try:
        envelope = json.loads(text)
    except ValueError as exc:
        raise CorruptArtifactError(f"{path} is not valid JSON: {exc}") from exc
    value = envelope.get("value", envelope) if isinstance(envelope, dict) else envelope
    if isinstance(envelope, dict) and isinstance(envelope.get("class"), str):
        value = {"class": envelope["class"], "value": value}
    if value is None or isinstance(value, bool | int | float | str):
        return Html(f'<p class="scalar"><code>{_esc(json.dumps(value))}</code></p>')
    return Html(f'<pre class="code">{_esc(json.dumps(value, indent=2, sort_keys=True))}</pre>')


def _param(node: object) -> str:
    if isinstance(node, dict):
        if node.get("is_json") and isinstance(node.get("content"), str):
            return str(node["content"])
        cls = node.get("__class__")
        if isinstance(cls, str):
            return f"<{cls}>"
    return "…"


def _attributes(node: object) -> dict[str, object] | None:
    """The attribute dict of an estimator node in a skops schema (``None`` for other nodes)."""
    if not isinstance(node, dict) or node.get("__loader__") != "ObjectNode":
        return None
    outer = node.get("content")
    inner = outer.get("content") if isinstance(outer, dict) else None
    return inner if isinstance(inner, dict) else None


def _named_estimators(node: object) -> list[tuple[str, object]]:
    """``[(name, estimator node)]`` of a list of ``(name, estimator)`` tuples (a Pipeline's ``steps``)."""
    items = node.get("content") if isinstance(node, dict) and node.get("__loader__") == "ListNode" else None
    found: list[tuple[str, object]] = []
    for item in items if isinstance(items, list) else []:
        pair = item.get("content") if isinstance(item, dict) and item.get("__loader__") == "TupleNode" else None
        if isinstance(pair, list) and len(pair) >= 2 and _attributes(pair[1]) is not None:
            found.append((_param(pair[0]).strip('"'), pair[1]))
    return found


def _params(node: object, prefix: str, fitted: list[str], depth: int = 0) -> list[tuple[str, str]]:
    """Constructor parameters as ``get_params(deep=True)`` names them (``logisticregression__C``)."""
    attributes = _attributes(node)
    if attributes is None or depth > 6:
        return []
    found: list[tuple[str, str]] = []
    for key, child in sorted(attributes.items()):
        if key.startswith("_"):
            continue
        if key.endswith("_"):
            if not prefix:
                fitted.append(key)
            continue
        nested = _named_estimators(child)
        if nested:
            found.append((prefix + key, ", ".join(f"{name}: {_param(est)}" for name, est in nested)))
            for name, est in nested:
                found += _params(est, f"{prefix}{name}__", fitted, depth + 1)
        elif _attributes(child) is not None:
            found.append((prefix + key, _param(child)))
            found += _params(child, f"{prefix}{key}__", fitted, depth + 1)
        else:
            found.append((prefix + key, _param(child)))
    return found


def skops_preview(path: Path) -> Visualization:
    """The estimator's class and constructor parameters, from the archive's JSON schema (nothing is loaded)."""
    try:
        with zipfile.ZipFile(path) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise CorruptArtifactError(f"{path} is not a readable skops archive: {exc}") from exc
    if not isinstance(schema, dict):
        raise CorruptArtifactError(f"{path}: the skops schema is not an object.")
    name = f"{schema.get('__module__', '')}.{schema.get('__class__', '?')}".lstrip(".")
    fitted: list[str] = []
    params = _params(schema, "", fitted)
    rows = "".join(f"<tr><th>{_esc(k)}</th><td><code>{_esc(v)}</code></td></tr>" for k, v in params)
    learned = f'<p class="caption">Fitted: {_esc(", ".join(fitted))}</p>' if fitted else ""
    return Html(f'<p><code>{_esc(name)}</code></p><table class="stats">{rows}</table>{learned}')
