"""The dashboard's ASGI application: read-only pages and a JSON API over one ``zen_run.Client``.

Invariants: only GET routes exist (the app never writes to a store); every page is rendered by Jinja2 with
autoescaping, so names, errors, configs and table cells are text, never markup; a Content-Security-Policy
allows scripts from this app only (no inline script), so even a string that escaped escaping could not run.
The client is opened in the lifespan, on the event loop's thread, and every handler runs on that thread, so
the lineage store's connection is never used from two threads at once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Final

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zen_run import Client, Run
from zen_run.drawing import STATUS_COLOURS, render_dag_svg
from zen_store import ArtifactNotFoundError, RecordNotFoundError
from zen_types import JSONValue, ZenError
from zen_ui import _data
from zen_ui._lineage import lineage_svg
from zen_ui._preview import preview_html

__all__ = ["build_app"]

_NONE: Final = "\u2013"  # an en dash for a missing time or size

_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _duration(seconds: object) -> str:
    if not isinstance(seconds, int | float):
        return _NONE
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m {rest:02d}s" if minutes < 60 else f"{minutes // 60}h {minutes % 60:02d}m"


def _when(iso: object) -> str:
    if not isinstance(iso, str):
        return _NONE
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _size(n: object) -> str:
    if not isinstance(n, int):
        return _NONE
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover - the loop always returns


def _pretty(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("zen_ui", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = _duration
    env.filters["when"] = _when
    env.filters["size"] = _size
    env.filters["pretty"] = _pretty
    env.globals["status_colours"] = STATUS_COLOURS
    return env


class _Pages:
    """The route handlers; ``client`` is set by the lifespan before the first request."""

    def __init__(self, open_client: Callable[[], Client]) -> None:
        self.open_client = open_client
        self.env = _environment()
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = self.open_client()
        return self._client

    def page(self, request: Request, template: str, status_code: int = 200, **context: object) -> HTMLResponse:
        body = self.env.get_template(template).render(request=request, **context)
        return HTMLResponse(body, status_code=status_code)

    # -- queries ----------------------------------------------------------------------------------------------

    def _filters(self, request: Request) -> _data.RunFilter:
        q = request.query_params

        def when(name: str) -> datetime | None:
            text = q.get(name) or None
            if text is None:
                return None
            try:
                value = datetime.fromisoformat(text)
            except ValueError as exc:
                raise HTTPException(400, f"{name}={text!r} is not a date; use YYYY-MM-DD or an ISO time.") from exc
            return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

        limit_text = q.get("limit") or str(_data.PAGE_SIZE)
        if not (limit_text.isascii() and limit_text.isdigit()) or not 1 <= int(limit_text) <= 500:
            raise HTTPException(400, f"limit={limit_text!r}: give a whole number from 1 to 500.")
        return _data.RunFilter(
            pipeline=q.get("pipeline") or None,
            status=q.get("status") or None,
            tag=q.get("tag") or None,
            since=when("since"),
            after=q.get("after") or None,
            limit=int(limit_text),
        )

    def _run(self, request: Request) -> Run:
        return self.client.get_run(str(request.path_params["run_id"]))

    # -- pages ------------------------------------------------------------------------------------------------

    async def runs_page(self, request: Request) -> Response:
        filters = self._filters(request)
        data = _data.runs_data(self.client, filters)
        return self.page(request, "runs.html", data=data, filters=filters, query=dict(request.query_params))

    async def run_page(self, request: Request) -> Response:
        run = self._run(request)
        data = _data.run_data(run)
        statuses = {str(s["name"]): str(s["status"]) for s in _dicts(data["steps"])}
        selected = request.query_params.get("step") or next(
            (name for name, status in statuses.items() if status in ("failed", "crashed")), None
        )
        step = next((s for s in _dicts(data["steps"]) if s["name"] == selected), None)
        if step is not None:
            step["logs"] = _data.logs_data(run.steps.get(str(step["name"])))
        svg = render_dag_svg(run.spec, statuses=statuses)
        return self.page(request, "run.html", data=data, dag_svg=svg, step=step, run=data["run"])

    def _step(self, run: Run, name: str) -> dict[str, JSONValue]:
        """One step of the run with what it printed (``logs``), or a 404 naming the run."""
        step = next((s for s in _dicts(_data.run_data(run)["steps"]) if s["name"] == name), None)
        if step is None:
            raise HTTPException(404, f"run {run.id} has no step {name!r}.")
        step["logs"] = _data.logs_data(run.steps.get(name))
        return step

    async def step_fragment(self, request: Request) -> Response:
        run = self._run(request)
        step = self._step(run, str(request.path_params["step"]))
        return self.page(request, "_step.html", step=step, run=_data.run_summary(run))

    async def artifact_page(self, request: Request) -> Response:
        artifact = self.client.artifact(str(request.path_params["artifact_id"]))
        up = self.client.lineage(artifact.id)
        down = self.client.lineage(artifact.id, downstream=True)
        return self.page(
            request,
            "artifact.html",
            artifact=_data.artifact_data(artifact),
            preview=preview_html(artifact),
            lineage=lineage_svg(artifact.id, (up, down)),
        )

    def _pair(self, request: Request) -> tuple[Run, Run] | None:
        a, b = request.query_params.get("a"), request.query_params.get("b")
        if not a or not b:
            return None
        return self.client.get_run(a), self.client.get_run(b)

    async def compare_page(self, request: Request) -> Response:
        pair = self._pair(request)
        recent = [_data.run_summary(r) for r in self.client.runs(limit=50)]
        data = _data.compare_data(self.client, *pair) if pair else None
        return self.page(request, "compare.html", data=data, recent=recent, query=dict(request.query_params))

    # -- JSON API ---------------------------------------------------------------------------------------------

    async def api_runs(self, request: Request) -> Response:
        return JSONResponse(_data.runs_data(self.client, self._filters(request)))

    async def api_run(self, request: Request) -> Response:
        return JSONResponse(_data.run_data(self._run(request)))

    async def api_step(self, request: Request) -> Response:
        run = self._run(request)
        return JSONResponse(self._step(run, str(request.path_params["step"])))

    async def api_artifact(self, request: Request) -> Response:
        artifact = self.client.artifact(str(request.path_params["artifact_id"]))
        return JSONResponse(_data.artifact_data(artifact))

    async def api_lineage(self, request: Request) -> Response:
        downstream = request.query_params.get("downstream", "") in ("1", "true", "yes")
        graph = self.client.lineage(str(request.path_params["artifact_id"]), downstream=downstream)
        return JSONResponse(_data.lineage_data(graph))

    async def api_compare(self, request: Request) -> Response:
        pair = self._pair(request)
        if pair is None:
            raise HTTPException(400, "give two runs to compare: /api/compare?a=RUN_ID&b=RUN_ID")
        return JSONResponse(_data.compare_data(self.client, *pair))

    # -- errors -----------------------------------------------------------------------------------------------

    def error(self, request: Request, status_code: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status_code)
        return self.page(request, "error.html", status_code=status_code, message=message, code=status_code)

    async def on_http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return self.error(request, exc.status_code, str(exc.detail))

    async def on_not_found(self, request: Request, exc: Exception) -> Response:
        return self.error(request, 404, str(exc))

    async def on_zen_error(self, request: Request, exc: Exception) -> Response:
        return self.error(request, 400, str(exc))


def _dicts(value: JSONValue) -> list[dict[str, JSONValue]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


class _SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every response (pure ASGI, so it streams untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = _CSP
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def build_app(open_client: Callable[[], Client]) -> Starlette:
    """The dashboard app; ``open_client`` is called once, on the server's event loop, to open the stores."""
    pages = _Pages(open_client)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        _ = pages.client  # open the stores up front: a bad project fails at start, not on the first page
        yield

    routes = [
        Route("/", pages.runs_page),
        Route("/runs/{run_id}", pages.run_page),
        Route("/runs/{run_id}/steps/{step}", pages.step_fragment),
        Route("/artifacts/{artifact_id}", pages.artifact_page),
        Route("/compare", pages.compare_page),
        Route("/api/runs", pages.api_runs),
        Route("/api/runs/{run_id}", pages.api_run),
        Route("/api/runs/{run_id}/steps/{step}", pages.api_step),
        Route("/api/artifacts/{artifact_id}", pages.api_artifact),
        Route("/api/artifacts/{artifact_id}/lineage", pages.api_lineage),
        Route("/api/compare", pages.api_compare),
        Mount("/static", app=StaticFiles(packages=[("zen_ui", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            HTTPException: pages.on_http_error,
            RecordNotFoundError: pages.on_not_found,
            ArtifactNotFoundError: pages.on_not_found,
            ZenError: pages.on_zen_error,
        },
    )
    app.add_middleware(_SecurityHeaders)
    return app
