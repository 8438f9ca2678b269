"""A step's traceback is kept from the first frame outside zen's packages on; one with none is kept whole."""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path

from zen_run._tracebacks import project_relative, user_traceback


def _raise_in_user_code() -> None:
    raise KeyError("missing")


CATCHER = "try:\n    call()\nexcept BaseException as exc:\n    caught.append(exc)\n"
"""Code run as a zen module (by its ``__name__``) that calls a function and catches what it raises, as zen's
step executor does."""


def _caught(call: object) -> BaseException:
    caught: list[BaseException] = []
    exec(CATCHER, {"__name__": "zen_run._caller", "call": call, "caught": caught})
    assert caught, "nothing was raised"
    return caught[0]


def test_zens_leading_frames_are_dropped_and_the_users_kept() -> None:
    exc = _caught(_raise_in_user_code)
    whole = "".join(traceback.format_exception(exc))
    shown = user_traceback(exc)
    assert "<string>" in whole
    assert 'File "<string>"' not in shown
    lines = shown.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1].endswith("in _raise_in_user_code")
    assert lines[-1] == "KeyError: 'missing'"


def test_a_traceback_with_only_zen_frames_is_kept_whole() -> None:
    exc = _caught(None)  # calling None fails inside the zen frame itself: no frame of the user's code
    assert user_traceback(exc) == "".join(traceback.format_exception(exc))
    assert 'File "<string>"' in user_traceback(exc)


def test_chained_exceptions_are_formatted_with_their_cause() -> None:
    def chained() -> None:
        try:
            _raise_in_user_code()
        except KeyError as exc:
            raise ValueError("while looking it up") from exc

    shown = user_traceback(_caught(chained))
    assert "KeyError: 'missing'" in shown and "The above exception was the direct cause" in shown
    assert shown.splitlines()[-1] == "ValueError: while looking it up"


def test_frames_inside_the_project_are_shown_relative_to_its_root_and_others_kept_absolute(tmp_path: Path) -> None:
    """A real traceback through a module in the project (imported through a symbolic link to it), one in a sibling
    folder whose name merely starts like the root's, and Python's own library."""
    root = tmp_path / "proj"
    (root / "tb_pkg").mkdir(parents=True)
    (tmp_path / "proj2").mkdir()
    (root / "tb_pkg" / "__init__.py").write_text("")
    (root / "tb_pkg" / "steps.py").write_text("import json\n\ndef load(text):\n    return json.loads(text)\n")
    (tmp_path / "proj2" / "tb_other.py").write_text("from tb_pkg.steps import load\n\ndef run():\n    load('{')\n")
    (tmp_path / "link").symlink_to(root, target_is_directory=True)
    folders = [str(tmp_path / "link"), str(tmp_path / "proj2")]
    sys.path[:0] = folders
    try:
        exc = _caught(importlib.import_module("tb_other").run)
    finally:
        del sys.path[:2]
        for name in ("tb_other", "tb_pkg.steps", "tb_pkg"):
            sys.modules.pop(name, None)
    shown = project_relative(user_traceback(exc), root.resolve())
    frames = [line.strip().split('"')[1] for line in shown.splitlines() if line.strip().startswith('File "')]
    assert frames[0] == str(tmp_path / "proj2" / "tb_other.py")  # proj2 is not inside proj
    assert frames[1] == "tb_pkg/steps.py"  # through the link, still the project's own file
    assert frames[-1] == json.decoder.__file__  # the standard library keeps its absolute path
    assert shown.splitlines()[-1].startswith("json.decoder.JSONDecodeError")
