"""An artifact's preview as page markup, from the visualization its materializer offers.

HTML comes from the materializer (the built-ins escape every value they show); SVG is inlined; PNG becomes a
``data:`` image. Without a visualization (an unknown format, or one that would need to run stored code, such as
pickle) the page shows the artifact's recorded metadata only. A preview never fails the page: a corrupt or
missing artifact is shown as one sentence saying so.
"""

from __future__ import annotations

import base64

from markupsafe import Markup

from zen_materialize import Html, Svg
from zen_run import Artifact
from zen_types import ZenError

__all__ = ["preview_html"]


def preview_html(artifact: Artifact) -> Markup | None:
    """Markup for ``artifact``'s preview, or ``None`` when its materializer offers none."""
    try:
        shown = artifact.visualize()
    except (ZenError, OSError, ValueError) as exc:
        return Markup('<p class="warn">No preview: {}</p>').format(str(exc))
    if shown is None:
        return None
    if isinstance(shown, Html):
        return Markup(shown.html)  # materializers build escaped HTML (docs/materializers.md)
    if isinstance(shown, Svg):
        return Markup(shown.svg)
    data = base64.b64encode(shown.data).decode("ascii")
    return Markup('<img class="preview-image" alt="{}" src="data:image/png;base64,{}">').format(shown.alt, data)
