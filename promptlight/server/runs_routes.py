"""``/api/runs``: batch run folders (``promptlight serve --runs DIR``), read-only; no route calls a model.

GET /api/runs                          the runs, with their jobs and row counts
GET /api/runs/{name}/rows              one row per example x method (f, status, top segment, ...)
GET /api/runs/{name}/parts?method=M    mean and spread of salience per template part (or segment place)
GET /api/runs/{name}/records/{key}     the saved result record of one row
GET /api/runs/compare?a=A&b=B&method=M rows matched by source: f in A and B, the change, largest first
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from promptlight.server.errors import ApiError

router = APIRouter(prefix="/api/runs", tags=["runs"])


def _catalog(request: Request) -> Any:
    catalog = getattr(request.app.state, "promptlight_runs", None)
    if catalog is None:
        raise ApiError(
            404,
            "not_found",
            "This server shows no batch runs; start it with --runs DIR (a folder of runs).",
            field="run",
        )
    return catalog


async def _answer(call: Any, *args: Any) -> Any:
    from promptlight.runs.folder import RunFolderError
    from promptlight.runs.views import RunNotFound

    try:
        return await run_in_threadpool(call, *args)  # Parquet reads stay off the event loop
    except RunNotFound as exc:
        raise ApiError(404, "not_found", str(exc), field=exc.field) from None
    except (RunFolderError, OSError, ValueError) as exc:
        raise ApiError(404, "not_found", f"The run cannot be read: {exc}", field="run") from None


@router.get("", summary="Batch runs this server shows (empty without --runs)")
async def list_runs(request: Request) -> list[dict[str, Any]]:
    catalog = getattr(request.app.state, "promptlight_runs", None)
    return [] if catalog is None else await _answer(catalog.list)


@router.get("/compare", summary="Two runs' rows matched by source: f in each and the change, largest first")
async def compare_runs(
    request: Request, a: str = Query(..., max_length=255), b: str = Query(..., max_length=255),
    method: str | None = Query(None, max_length=64),
) -> dict[str, Any]:  # fmt: skip
    return await _answer(_catalog(request).compare, a, b, method)


@router.get("/{name}/rows", summary="One row per example x method of a run")
async def run_rows(request: Request, name: str) -> dict[str, Any]:
    return await _answer(_catalog(request).rows, name)


@router.get("/{name}/parts", summary="Mean and spread of salience per template part (or segment place) across rows")
async def run_parts(request: Request, name: str, method: str | None = Query(None, max_length=64)) -> dict[str, Any]:
    return await _answer(_catalog(request).parts, name, method)


@router.get("/{name}/records/{key}", summary="The saved result record of one row of a run")
async def run_record(request: Request, name: str, key: str) -> dict[str, Any]:
    return await _answer(_catalog(request).record, name, key)
