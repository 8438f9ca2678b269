"""The README's "Start your own project" section, run as a reader runs it: a fresh folder, a fresh virtual
environment, zen installed from this repository's packages with pip, then every block of the section in order
in one shell (``venv`` blocks, see ``tests/common/markdown.py``), with ``zen`` coming from that environment.

It needs a package index for zen's dependencies (PyPI, or the mirror pip is configured with): marked
``network``. It takes about a minute, most of it pip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.common.markdown import ROOT, Block, blocks

README = ROOT / "README.md"


def _script(found: list[Block]) -> str:
    """The section's blocks as one bash script: shell blocks as written, files written with a heredoc, Python
    blocks run by the environment's ``python``."""
    parts = ["set -euo pipefail"]
    for block in found:
        if block.file is not None:
            parts.append(f"cat > {block.file} <<'ZEN_DOC_EOF'\n{block.text}ZEN_DOC_EOF")
        elif block.language == "python":
            parts.append(f"python - <<'ZEN_DOC_EOF'\n{block.text}ZEN_DOC_EOF")
        else:
            parts.append(block.text)
    return "\n".join(parts) + "\n"


@pytest.mark.network
@pytest.mark.slow
def test_start_your_own_project_works_in_a_fresh_folder_and_environment(tmp_path: Path) -> None:
    """pip-install the packages into a new venv, write the first pipeline, commit, `zen init`, two runs, list,
    compare, a fully cached re-run and the value read back, with nothing of the test suite's environment."""
    found = [b for b in blocks(README) if b.venv]
    assert len(found) >= 3, "the README's own-project section has lost its blocks"
    ours = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if k not in ("ZEN_ROOT", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != ours)
    env.update(
        ZEN=str(ROOT),
        GIT_AUTHOR_NAME="reader",
        GIT_AUTHOR_EMAIL="reader@example.com",
        GIT_COMMITTER_NAME="reader",
        GIT_COMMITTER_EMAIL="reader@example.com",
    )
    done = subprocess.run(
        ["bash", "-c", _script(found)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert done.stdout.strip().splitlines()[-1] == "10.0"  # mean 2.0 times epochs=5, from the newest run
    project = tmp_path / "my-project"
    zen = project / ".venv" / "bin" / "zen"
    runs = json.loads(
        subprocess.run(
            [str(zen), "runs", "list", "--json"], cwd=project, env=env, capture_output=True, text=True, check=True
        ).stdout
    )
    assert len(runs) == 3
    rerun = json.loads(
        subprocess.run(
            [str(zen), "runs", "show", runs[0]["run_id"], "--json"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert {name: step["status"] for name, step in rerun["steps"].items()} == {"loader": "cached", "trainer": "cached"}
    assert not rerun["run"]["repo"]["dirty"]
