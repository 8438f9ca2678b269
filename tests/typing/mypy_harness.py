"""Run mypy (with or without zen's plugin) over many small modules at once and split its output per module.

One mypy run checks every case: the suite stays fast on CI's two cores. Cases live in ``cases.test``
(``[case name]`` / ``[out]``, lines written as ``main:LINE: ...``). ``python -m tests.typing.mypy_harness
--update`` rewrites the expected outputs from a real run, for review in the diff.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import attrs
from mypy import api

ROOT = Path(__file__).resolve().parents[2]
CASES_FILE = Path(__file__).with_name("cases.test")
ZEN_TYPES_SRC = ROOT / "packages" / "zen-types" / "src"

_CONFIG = """\
[mypy]
{plugins}python_version = 3.11
strict = True
mypy_path = {src}
explicit_package_bases = True
namespace_packages = True
"""


@attrs.frozen
class Case:
    """One module of the typing suite and mypy's exact expected output for it."""

    name: str
    source: str
    expected: tuple[str, ...]
    line: int


def parse_cases(text: str) -> list[Case]:
    """Read ``[case name]`` blocks; each has source lines, then ``[out]`` and the expected lines."""
    cases: list[Case] = []
    blocks = re.split(r"^\[case ([\w-]+)\]\n", text, flags=re.MULTILINE)
    offset = blocks[0].count("\n") + 1
    for name, body in zip(blocks[1::2], blocks[2::2], strict=True):
        source, _, out = body.partition("[out]\n")
        expected = tuple(line for line in out.splitlines() if line.strip())
        cases.append(Case(name, source.rstrip("\n") + "\n", expected, offset))
        offset += body.count("\n") + 1
    return cases


def load_cases() -> list[Case]:
    """The cases of ``cases.test``."""
    return parse_cases(CASES_FILE.read_text(encoding="utf-8"))


def run_mypy(
    sources: dict[str, str], *, workdir: Path, cache_dir: Path, plugin: bool = True, write: bool = True
) -> dict[str, list[str]]:
    """Check every ``name: source`` module in one mypy run; mypy's output lines per name (``main:LINE: ...``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / ("with_plugin.ini" if plugin else "without_plugin.ini")
    plugins = "plugins = zen_types.mypy\n" if plugin else ""
    config.write_text(_CONFIG.format(plugins=plugins, src=ZEN_TYPES_SRC), encoding="utf-8")
    files = []
    for name, source in sources.items():
        path = workdir / f"{name}.py"
        if write or not path.exists():
            path.write_text(source, encoding="utf-8")
        files.append(str(path))
    stdout, stderr, _ = api.run(
        ["--config-file", str(config), "--cache-dir", str(cache_dir), "--no-error-summary", "--no-pretty", *files]
    )
    if stderr.strip():
        raise RuntimeError(f"mypy failed to run: {stderr}")
    results: dict[str, list[str]] = {name: [] for name in sources}
    for line in stdout.splitlines():
        file_name, sep, rest = line.partition(".py:")
        name = Path(file_name).name
        if not sep or name not in results:
            raise RuntimeError(f"unexpected mypy output line: {line}")
        results[name].append(f"main:{rest}")
    return results


def _update(tmp: Path) -> None:
    cases = load_cases()
    actual = run_mypy({c.name: c.source for c in cases}, workdir=tmp / "src", cache_dir=tmp / "cache")
    text = CASES_FILE.read_text(encoding="utf-8")
    header = re.split(r"^\[case ", text, maxsplit=1, flags=re.MULTILINE)[0]
    parts = [header.rstrip("\n") + "\n"]
    for case in cases:
        out = "".join(f"{line}\n" for line in actual[case.name])
        parts.append(f"\n[case {case.name}]\n{case.source}[out]\n{out}")
    CASES_FILE.write_text("".join(parts), encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    if sys.argv[1:] != ["--update"]:
        raise SystemExit("usage: python -m tests.typing.mypy_harness --update")
    with tempfile.TemporaryDirectory() as tmp:
        _update(Path(tmp))
