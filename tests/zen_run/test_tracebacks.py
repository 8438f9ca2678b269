"""A step's traceback is kept from the first frame outside zen's packages on; one with none is kept whole."""

from __future__ import annotations

import traceback

from zen_run._tracebacks import user_traceback


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
