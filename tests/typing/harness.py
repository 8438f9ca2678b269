"""Check many small modules with every checker at once and split the output per module.

Each case of ``cases.test`` is one module, checked four ways: mypy with zen's plugin (``[out]``), mypy alone
(``[mypy]``), pyright (``[pyright]``), and the runtime, which imports the module and reports the first zen
error it raises (``[runtime]``). One run per checker covers every case, so the suite stays fast on CI's two
cores. ``python -m tests.typing.harness --update`` rewrites the expected outputs from real runs, for review in
the diff, and the per-checker table of docs/typing.md counted from them (``tests/typing/table.py``).

pyright comes from PyPI (pinned in the workspace's dev dependencies) and runs its bundled npm package with
the machine's Node.js; it is never allowed to download Node itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import attrs
from mypy import api

from zen_types import ZenError

ROOT = Path(__file__).resolve().parents[2]
CASES_FILE = Path(__file__).with_name("cases.test")
ZEN_TYPES_SRC = ROOT / "packages" / "zen-types" / "src"
SECTIONS = ("out", "mypy", "pyright", "runtime")

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
    """One module of the typing suite and each checker's exact expected output for it."""

    name: str
    source: str
    expected: tuple[str, ...]
    """mypy with the plugin."""
    plain: tuple[str, ...]
    """mypy without the plugin."""
    pyright: tuple[str, ...]
    runtime: tuple[str, ...]
    """The error the runtime raises when the module is imported (empty: it imports cleanly)."""
    line: int


def parse_cases(text: str) -> list[Case]:
    """Read ``[case name]`` blocks: source lines, then ``[out]``, ``[mypy]``, ``[pyright]``, ``[runtime]``."""
    cases: list[Case] = []
    blocks = re.split(r"^\[case ([\w-]+)\]\n", text, flags=re.MULTILINE)
    offset = blocks[0].count("\n") + 1
    for name, body in zip(blocks[1::2], blocks[2::2], strict=True):
        parts = re.split(r"^\[(out|mypy|pyright|runtime)\]\n", body, flags=re.MULTILINE)
        sections = {
            key: tuple(line for line in value.splitlines() if line.strip())
            for key, value in zip(parts[1::2], parts[2::2], strict=True)
        }
        cases.append(
            Case(
                name,
                parts[0].rstrip("\n") + "\n",
                sections.get("out", ()),
                sections.get("mypy", ()),
                sections.get("pyright", ()),
                sections.get("runtime", ()),
                offset,
            )
        )
        offset += body.count("\n") + 1
    return cases


def load_cases() -> list[Case]:
    """The cases of ``cases.test``."""
    return parse_cases(CASES_FILE.read_text(encoding="utf-8"))


def _write_sources(sources: dict[str, str], workdir: Path, *, write: bool) -> list[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    files = []
    for name, source in sources.items():
        path = workdir / f"{name}.py"
        if write or not path.exists():
            path.write_text(source, encoding="utf-8")
        files.append(str(path))
    return files


def run_mypy(
    sources: dict[str, str], *, workdir: Path, cache_dir: Path, plugin: bool = True, write: bool = True
) -> dict[str, list[str]]:
    """Check every ``name: source`` module in one mypy run; mypy's output lines per name (``main:LINE: ...``)."""
    files = _write_sources(sources, workdir, write=write)
    config = workdir / ("with_plugin.ini" if plugin else "without_plugin.ini")
    plugins = "plugins = zen_types.mypy\n" if plugin else ""
    config.write_text(_CONFIG.format(plugins=plugins, src=ZEN_TYPES_SRC), encoding="utf-8")
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


def pyright_environment() -> dict[str, str]:
    """The environment pyright runs in: the machine's Node.js, the bundled pyright, no network look-ups."""
    if shutil.which("node") is None:
        raise RuntimeError(
            "pyright needs Node.js (node) on PATH and none was found. Install it: apt-get install nodejs "
            "(zen never lets pyright download Node itself)."
        )
    env = dict(os.environ)
    env.update(
        PYRIGHT_PYTHON_GLOBAL_NODE="1",  # the machine's node, never a download through nodeenv
        PYRIGHT_PYTHON_USE_BUNDLED_PYRIGHT="1",  # the npm package inside the pinned PyPI wheel
        PYRIGHT_PYTHON_IGNORE_WARNINGS="1",  # no "newer version" check against PyPI on every run
    )
    return env


def run_pyright(sources: dict[str, str], *, workdir: Path) -> dict[str, list[str]]:
    """Check every module in one pyright run (strict); its diagnostics per name (``main:LINE: ...``)."""
    files = _write_sources(sources, workdir, write=True)
    config = {
        "typeCheckingMode": "strict",
        "pythonVersion": "3.11",
        "extraPaths": [str(ZEN_TYPES_SRC)],
        "reportUnusedVariable": False,  # cases bind pipelines to names they do not use
    }
    (workdir / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable, "-p", str(workdir), *files],
        capture_output=True,
        text=True,
        env=pyright_environment(),
        check=False,
    )
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"pyright failed to run: {completed.stdout}{completed.stderr}") from exc
    results: dict[str, list[str]] = {name: [] for name in sources}
    for diagnostic in report["generalDiagnostics"]:
        name = Path(diagnostic["file"]).stem
        line = diagnostic["range"]["start"]["line"] + 1
        message = diagnostic["message"].splitlines()[0]
        rule = diagnostic.get("rule", "")
        results[name].append(f"main:{line}: {diagnostic['severity']}: {message}" + (f"  [{rule}]" if rule else ""))
    return results


def run_runtime(case: Case) -> list[str]:
    """Import the case's module with zen's runtime checks: the zen error it raises, or nothing."""
    module = types.ModuleType(f"zen_typing_case_{case.name}")
    module.__dict__["reveal_type"] = lambda value: value  # the static checkers' helper, a no-op here
    sys.modules[module.__name__] = module  # NamedTuple and dataclass machinery look the module up
    try:
        exec(compile(case.source, f"{case.name}.py", "exec"), module.__dict__)  # the case's own source
    except ZenError as exc:
        return [f"{type(exc).__name__}: {exc}"]
    except Exception as exc:  # not zen's refusal: recorded so a case shows what the user would see
        return [f"not a zen error: {type(exc).__name__}: {exc}"]
    finally:
        del sys.modules[module.__name__]
    return []


def _update(tmp: Path) -> None:
    cases = load_cases()
    sources = {c.name: c.source for c in cases}
    outputs = {
        "out": run_mypy(sources, workdir=tmp / "src", cache_dir=tmp / "cache"),
        "mypy": run_mypy(sources, workdir=tmp / "plain", cache_dir=tmp / "plain-cache", plugin=False),
        "pyright": run_pyright(sources, workdir=tmp / "pyright"),
        "runtime": {c.name: run_runtime(c) for c in cases},
    }
    text = CASES_FILE.read_text(encoding="utf-8")
    header = re.split(r"^\[case ", text, maxsplit=1, flags=re.MULTILINE)[0]
    parts = [header.rstrip("\n") + "\n"]
    for case in cases:
        parts.append(f"\n[case {case.name}]\n{case.source}")
        for section in SECTIONS:
            parts.append(f"[{section}]\n" + "".join(f"{line}\n" for line in outputs[section][case.name]))
    CASES_FILE.write_text("".join(parts), encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    if sys.argv[1:] != ["--update"]:
        raise SystemExit("usage: python -m tests.typing.harness --update")
    with tempfile.TemporaryDirectory() as tmp:
        _update(Path(tmp))
    # docs/typing.md's counts follow the new outputs (table.py imports this module: it runs on its own)
    raise SystemExit(subprocess.run([sys.executable, "-m", "tests.typing.table"], check=False).returncode)
