"""How a user installs zen's packages, worded once for every message that tells them to.

zen's distributions are not published on PyPI: a user installs them from a clone of zen's repository (or from
wheels built from it), as the README's "Start your own project" shows: ``pip install "$ZEN"/packages/zen-run``,
with ``ZEN`` the clone's folder. So ``pip install zen-run`` or ``pip install -U zen-run`` would fetch nothing (or a
stranger's package of that name); every hint in zen's errors comes from here instead, and a test proves no other
module words an install command.
"""

from __future__ import annotations

__all__ = ["ZEN_DISTRIBUTIONS", "install_hint", "upgrade_hint"]

ZEN_DISTRIBUTIONS = frozenset({"zen-git", "zen-materialize", "zen-run", "zen-store", "zen-types", "zen-ui"})
"""The distributions built from zen's repository, one per folder under ``packages/``."""

_WHERE = "with ZEN the folder of your clone of zen's repository, or install the wheel built from it"


def install_hint(
    distribution: str, *, extra: str | None = None, version: str | None = None, reinstall: bool = False
) -> str:
    """The command that installs ``distribution`` (with its ``extra``; at ``version``; over the installed copy
    with ``reinstall``), to quote in a message:
    ``pip install "$ZEN/packages/zen-store[postgres]"`` and where ``ZEN`` points for zen's own distributions,
    ``pip install numpy==2.1.0`` for any other."""
    extras = f"[{extra}]" if extra else ""
    pip = "pip install --force-reinstall" if reinstall else "pip install"
    if distribution not in ZEN_DISTRIBUTIONS:
        pinned = f"=={version}" if version else ""
        return f"`{pip} {distribution}{extras}{pinned}`"
    checkout = f"; check out zen {version} there first" if version else ""
    return f'`{pip} "$ZEN/packages/{distribution}{extras}"` ({_WHERE}{checkout})'


def upgrade_hint() -> str:
    """How to upgrade zen, to quote in a message: a newer checkout of its repository, installed again."""
    return (
        'update your clone of zen\'s repository (`git -C "$ZEN" pull`) and install its packages from it again, '
        'as its README says under "Start your own project"'
    )
