"""Who wrote a ``deleting/<name>`` record: the record ``zen gc`` keeps while it deletes an artifact.

A writer about to reuse an artifact that has such a record stores its own copy beside it instead (see
:mod:`zen_store._gc`). gc removes the record when it is done, but a gc that was killed in between leaves it
behind, and every identical write after that would store one more copy. So the record names the gc's process and
host, and a record whose gc is known to be gone is *abandoned*: writers reuse the artifact as if it were not there
(after verifying the copy, which catches one the dead gc half deleted), and the next gc removes it at once.

Only a process on this host can be known to be gone: a record from another host (whose pids mean nothing here),
or one without an owner (written by an older zen), is trusted until it is older than ``zen gc --older-than``.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Final

from zen_store._process import alive

__all__ = ["abandoned", "deleting_record"]

_HOST: Final = socket.gethostname()


def deleting_record() -> bytes:
    """The content of a ``deleting/<name>`` record written by this process."""
    return json.dumps({"host": _HOST, "pid": os.getpid()}, sort_keys=True).encode()


def abandoned(record: bytes) -> bool:
    """True when ``record`` (a ``deleting/<name>`` record's content) was written by a gc on this host whose
    process is gone; False when its gc may still be deleting, or its owner cannot be told."""
    try:
        owner = json.loads(record)
    except ValueError:
        return False
    if not isinstance(owner, dict):
        return False
    pid, host = owner.get("pid"), owner.get("host")
    return isinstance(pid, int) and pid > 0 and host == _HOST and not alive(pid)
