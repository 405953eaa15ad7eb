"""The route table of ``/api`` (see ``docs/api.md``). Handlers stay thin: validate, then call
the catalog, the store or a model worker.

Model calls (``/api/generate``, ``/api/salience``) first look in the results cache (a
content hash of every input, see :func:`promptlight.store.cache_key`); a hit answers at
once with ``"cached": true``. A miss is queued on the model's worker, which checks the
cache again (an identical request may have just finished), computes, and stores the result.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

import promptlight.server.schemas as schemas
from promptlight.server.catalog import Catalog, user_datapoint
from promptlight.server.errors import ApiError, invalid
from promptlight.server.settings import Settings
from promptlight.server.workers import CallHandle, ModelWorker
from promptlight.store import Store, cache_key

log = logging.getLogger("promptlight.server")


@dataclasses.dataclass
class AppState:
    """Everything the handlers share, wired once in :func:`promptlight.server.create_app`."""

    settings: Settings
    store: Store
    catalog: Catalog
    workers: dict[str, ModelWorker]
    #: Model calls by id (``X-Promptlight-Call``), for progress and cancelling; finished ones age out.
    calls: dict[str, CallHandle] = dataclasses.field(default_factory=dict)
    #: ``--model-dirs``: folders whose models a client may load (``POST /api/models``).
    model_dirs: list[Path] = dataclasses.field(default_factory=list)
    #: ``(name, spec) -> a started worker``: how create_app loads a model; None = none can be added.
    new_worker: Callable[[str, str], ModelWorker] | None = None
    #: Held while a model is added: ``workers`` is replaced (copy, then swap), never changed in place.
    adding: threading.Lock = dataclasses.field(default_factory=threading.Lock)


#: How a client names its call: ``X-Promptlight-Call: <id>``.
CALL_HEADER = "X-Promptlight-Call"
_CALL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: Seconds a finished call's progress stays readable; calls kept at most.
CALL_MEMORY_S, MAX_CALLS = 60.0, 1000
#: How often a waiting request checks that its client is still connected.
DISCONNECT_POLL_S = 0.25


def _new_call(state: AppState, request: Request | None, model: str) -> CallHandle:
    """A handle for this request's model call, under the client's id (``X-Promptlight-Call``) or a new one."""
    given = request.headers.get(CALL_HEADER) if request is not None else None
    if given is not None and not _CALL_ID.match(given):
        raise invalid(f"The {CALL_HEADER} header is {given[:80]!r}; use 1-64 letters, digits, '-' or '_'.", CALL_HEADER)
    now = time.monotonic()
    for key, old in list(state.calls.items()):
        if old.state in ("finished", "cancelled") and now - old.created > CALL_MEMORY_S:
            del state.calls[key]
    while len(state.calls) >= MAX_CALLS:
        del state.calls[next(iter(state.calls))]
    handle = CallHandle(given or uuid.uuid4().hex, model)
    state.calls[handle.id] = handle
    return handle


async def _until_done_or_gone(call: asyncio.Future[Any], handle: CallHandle, request: Request | None) -> Any:
    """The call's result; if the client hangs up first, the call is cancelled (a queued one never runs)."""
    while request is not None:
        done, _ = await asyncio.wait({call}, timeout=DISCONNECT_POLL_S)
        if done:
            break
        if await request.is_disconnected():
            if handle.cancel():
                log.info("client hung up: cancelled call %s on %s", handle.id, handle.model)
            break
    return await call


def get_state(request: Request) -> AppState:
    return request.app.state.promptlight


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorOut(BaseModel):
    error: ErrorBody


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": "the error envelope"} for status in (400, 401, 403, 404, 413, 415, 422)
}
_MODEL_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    **{status: {"model": ErrorOut, "description": "the error envelope"} for status in (429, 500, 503, 504)},
}

router = APIRouter(prefix="/api", responses=_ERRORS)
State = Depends(get_state)
_CACHED_ONLY = Query(False, description="answer only from the results cache: 404 not_cached instead of computing")


# --- about the server ---------------------------------------------------------------------


@router.get("/health", response_model=schemas.Health, summary="Server and model status")
def health(state: AppState = State) -> dict[str, Any]:
    from promptlight import __version__

    return {"status": "ok", "version": __version__, "models": {n: w.status() for n, w in state.workers.items()}}


@router.get("/settings", response_model=schemas.SettingsOut, summary="The settings in force (secrets as set/unset)")
def settings(state: AppState = State) -> dict[str, Any]:
    return {"settings": state.settings.public()}


@router.get("/methods", response_model=list[schemas.MethodOut], summary="Salience methods with sign, cost, reference")
def methods() -> list[dict[str, Any]]:
    from promptlight.salience import list_methods

    return list_methods()


@router.get("/granularities", response_model=list[str], summary="Granularities (regex:<pattern> is also accepted)")
def granularities() -> list[str]:
    from promptlight.types import GRANULARITIES

    return list(GRANULARITIES)


@router.get("/models", response_model=list[schemas.ModelOut], summary="The models this server was started with")
def models(state: AppState = State) -> list[dict[str, Any]]:
    return [w.describe() for w in state.workers.values()]


@router.get(
    "/model-files", response_model=schemas.ModelFilesOut, summary="Models under --model-dirs that can be loaded"
)
def model_files(state: AppState = State) -> dict[str, Any]:
    from promptlight.server.model_files import find_model_files

    loaded = {w.spec: name for name, w in state.workers.items()}
    return {
        "dirs": [d.name for d in state.model_dirs],
        "files": [
            {"id": m.id, "kind": m.kind, "name": m.name, "loaded_as": loaded.get(str(m.path))}
            for m in find_model_files(state.model_dirs)
        ],
    }


@router.post(
    "/models",
    status_code=201,
    response_model=schemas.ModelOut,
    summary="Load a model listed by /api/model-files (200 if it is loaded already)",
    responses={200: {"model": schemas.ModelOut, "description": "the model was already loaded under this name"}},
)
def add_model(body: schemas.ModelAdd, state: AppState = State) -> Any:
    from promptlight.server.model_files import model_file

    if not state.model_dirs or state.new_worker is None:
        raise ApiError(
            404, "not_found", "This server loads no models on request; start it with --model-dirs DIR.", field="file"
        )
    found = model_file(state.model_dirs, body.file)
    if found is None:
        raise ApiError(
            404,
            "not_found",
            f"No model {body.file!r} under --model-dirs ({', '.join(d.name for d in state.model_dirs)}); "
            "GET /api/model-files lists the ones there are.",
            field="file",
        )
    spec = str(found.path)
    with state.adding:
        for worker in state.workers.values():
            if worker.spec == spec:
                return JSONResponse(worker.describe(), status_code=200)
        name, n = found.name, 1
        while name in state.workers:
            n += 1
            name = f"{found.name}-{n}"
        worker = state.new_worker(name, spec)
        state.workers = {**state.workers, name: worker}
    log.info("loading model %s from %s on request", name, spec)
    return worker.describe()


@router.get("/datasets", response_model=list[schemas.DatasetOut], summary="Datasets, with their row counts")
def datasets(state: AppState = State) -> list[dict[str, Any]]:
    return state.catalog.dataset_list()


@router.post(
    "/datasets",
    status_code=201,
    response_model=schemas.DatasetUploaded,
    summary="Add a dataset file's rows (.jsonl, .csv, .txt) as your datapoints",
)
def upload_dataset(body: schemas.DatasetUpload, state: AppState = State) -> dict[str, Any]:
    """Read the file with the CLI's loaders (same columns, same errors), then store every row or none."""
    from pathlib import PurePath

    from promptlight.data import DatasetError
    from promptlight.data.loaders import FORMATS, FORMATS_TEXT, parse_bytes

    name = PurePath(body.filename).name
    fmt = PurePath(name).suffix.lower()
    if fmt not in FORMATS:
        raise invalid(f"{name!r} is not a dataset file this server reads; give a {FORMATS_TEXT} file.", "filename")
    stem = PurePath(name).stem
    dataset = body.dataset or stem
    if not re.match(schemas.DATASET_NAME_PATTERN, dataset):
        raise invalid(f"{dataset!r} cannot name a dataset (no colons or control characters); pass dataset.", "dataset")
    try:
        examples = parse_bytes(body.content.encode("utf-8"), fmt=fmt, origin=name, stem=stem)
    except DatasetError as exc:
        raise invalid(str(exc), "content") from None
    rows = [
        {"dataset": dataset, "prompt": ex.prompt, "target": ex.target, "source": ex.source, "fields": dict(ex.fields)}
        for ex in examples
    ]
    stored = state.store.create_datapoints(rows)
    return {"dataset": dataset, "added": len(stored), "ids": [user_datapoint(d)["id"] for d in stored]}


# --- examples and datapoints ----------------------------------------------------------------


@router.get("/examples", response_model=list[schemas.Datapoint], summary="Dataset rows and your datapoints, searchable")
def examples(
    response: Response,
    dataset: str | None = Query(None, max_length=200, description="only this dataset"),
    q: str | None = Query(None, max_length=1000, description="case-insensitive text in prompt, target or source"),
    limit: int = Query(1000, ge=1, le=10_000),
    offset: int = Query(0, ge=0),
    state: AppState = State,
) -> list[dict[str, Any]]:
    rows, total = state.catalog.examples(dataset=dataset, q=q, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return rows


@router.get("/datapoints/{datapoint_id:path}", response_model=schemas.Datapoint, summary="One datapoint by id")
def get_datapoint(datapoint_id: str, state: AppState = State) -> dict[str, Any]:
    return state.catalog.get(datapoint_id)


@router.post("/datapoints", status_code=201, response_model=schemas.Datapoint, summary="Create a datapoint")
def create_datapoint(body: schemas.DatapointCreate, state: AppState = State) -> dict[str, Any]:
    return user_datapoint(state.store.create_datapoint(**body.model_dump()))


@router.put(
    "/datapoints/{datapoint_id:path}",
    response_model=schemas.Datapoint,
    summary="Edit a datapoint (editing a dataset row creates your copy: 201)",
    responses={201: {"model": schemas.Datapoint, "description": "a dataset row was copied into a new datapoint"}},
)
def update_datapoint(datapoint_id: str, body: schemas.DatapointUpdate, state: AppState = State) -> Any:
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    user_id = state.catalog.user_id(datapoint_id)
    if user_id is None:  # a read-only dataset row: the edit becomes a new user datapoint
        row = state.catalog.get(datapoint_id)
        fields = {**row["fields"], **changes.pop("fields", {}), "duplicate_of": row["id"]}
        merged = {k: row[k] for k in ("dataset", "prompt", "target", "source")} | changes
        created = state.store.create_datapoint(**merged, fields=fields)
        return JSONResponse(user_datapoint(created), status_code=201)
    stored = state.store.update_datapoint(user_id, **changes) if changes else state.store.get_datapoint(user_id)
    if stored is None:
        state.catalog.get(datapoint_id)  # raises the 404 envelope
        raise ApiError(404, "not_found", f"No datapoint {datapoint_id!r}.", field="id")
    return user_datapoint(stored)


@router.delete("/datapoints/{datapoint_id:path}", status_code=204, summary="Delete one of your datapoints")
def delete_datapoint(datapoint_id: str, state: AppState = State) -> Response:
    user_id = state.catalog.user_id(datapoint_id)
    if user_id is None:
        state.catalog.get(datapoint_id)  # 404 if there is no such row at all
        raise ApiError(
            409,
            "read_only",
            f"{datapoint_id!r} is a row of a loaded dataset and cannot be deleted; only u:N can.",
            field="id",
        )
    if not state.store.delete_datapoint(user_id):
        state.catalog.get(datapoint_id)  # raises the 404 envelope
    return Response(status_code=204)


# --- model calls ------------------------------------------------------------------------------


def _worker(state: AppState, name: str | None) -> ModelWorker:
    if name is None:
        return next(iter(state.workers.values()))
    worker = state.workers.get(name)
    if worker is None:
        raise invalid(f"Unknown model {name!r}. Available: {', '.join(state.workers)}.", "model")
    return worker


def _check_prompt_tokens(lm: Any, prompt: str, settings: Settings) -> int:
    """The prompt's length in tokens; 413 over ``max_prompt_tokens``, before any forward pass."""
    n = len(lm.tokenize(prompt).ids)
    if n > settings.max_prompt_tokens:
        raise ApiError(
            413,
            "too_large",
            f"The prompt is {n} tokens long; the limit is max_prompt_tokens = {settings.max_prompt_tokens} "
            "(setting --max-prompt-tokens / PROMPTLIGHT_MAX_PROMPT_TOKENS).",
            field="prompt",
        )
    return n


def _check_batch_tokens(options: dict[str, Any], given: Any, sequence_tokens: int, settings: Settings) -> None:
    """422 when the rows of a batch the caller asked for, times the sequence length, pass ``max_batch_tokens``.

    Only an explicit ``batch_size`` above 1 is checked: the methods' own defaults size their
    batches to the sequence, and one row is always allowed. A method with ``steps`` never
    runs more rows than it has steps. ``options`` are parsed, ``given`` the names the caller set.
    """
    batch_size = options.get("batch_size")
    if "batch_size" not in given or not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 1:
        return
    steps = options.get("steps")
    rows = (
        min(batch_size, steps) if isinstance(steps, int) and not isinstance(steps, bool) and steps >= 1 else batch_size
    )
    if rows * sequence_tokens > settings.max_batch_tokens:
        fits = max(1, settings.max_batch_tokens // max(sequence_tokens, 1))
        raise invalid(
            f"batch_size is {batch_size}: {rows} rows x {sequence_tokens} tokens is over "
            f"max_batch_tokens = {settings.max_batch_tokens} (setting --max-batch-tokens / "
            f"PROMPTLIGHT_MAX_BATCH_TOKENS). Use batch_size <= {fits}, or leave it out.",
            "options.batch_size",
        )


def _invalid_from(exc: Exception) -> ApiError:
    """A user mistake raised below the API (``InvalidArgument``, or any ValueError) as a 422 naming its field."""
    return invalid(str(exc), getattr(exc, "field", None))


def _result_key(kind: str, fingerprint: str | None, key_parts: dict[str, Any] | None) -> str | None:
    """The results-cache key of a call (``None`` when it has none: no model fingerprint yet, or not deterministic)."""
    if fingerprint is None or key_parts is None:
        return None
    from promptlight import __version__

    return cache_key(kind, model=fingerprint, promptlight=__version__, **key_parts)


async def _answer_from_record(
    state: AppState, worker: ModelWorker, body: schemas.SalienceRequest, inputs: dict[str, Any]
) -> JSONResponse:
    """A new selection answered from the record of the cached run over ``body.answer_from``: no model call."""
    from promptlight.errors import InvalidArgument
    from promptlight.reselect import reselect
    from promptlight.result import SalienceResult

    if body.check:
        raise invalid("The faithfulness check needs the model; send check without answer_from.", "answer_from")
    if body.foil is not None:
        raise invalid(
            "A contrastive result keeps no record (the foil's sequence depends on where the selection starts); "
            "send the request without answer_from.",
            "answer_from",
        )
    if body.target is None:
        raise invalid("answer_from needs the target the run explained; give it as target.", "answer_from")
    target, run_span = body.target, list(body.answer_from or ())
    use_cache = state.settings.cache_size > 0
    key = _result_key("salience", worker.fingerprint, {"inputs": inputs}) if use_cache else None
    # The run over the whole target may have been asked with target_span null.
    spans: list[list[int] | None] = [run_span, *([None] if run_span == [0, len(target)] else [])]
    parent_keys = [_result_key("salience", worker.fingerprint, {"inputs": {**inputs, "target_span": s}}) for s in spans]
    if key is not None:
        hit = await run_in_threadpool(_cached, state.store, key)
        if hit is not None:
            return JSONResponse({**hit, "cached": True})
    parent = None
    for parent_key in parent_keys if use_cache else []:
        parent = await run_in_threadpool(_cached, state.store, parent_key) if parent_key is not None else None
        if parent is not None:
            break
    if parent is None:
        raise ApiError(
            404,
            "not_cached",
            f"No cached run over target_span {run_span} of this request to answer from; send the "
            "request without answer_from to compute it.",
        )

    def answer() -> dict[str, Any]:
        try:
            result = reselect(SalienceResult.from_dict(parent), target_span=body.target_span or (0, len(target)))
        except InvalidArgument as exc:
            raise _invalid_from(exc) from None
        value = _json_safe(result.to_dict())
        if key is not None:
            _store_result(state, key, "salience", value)
        return value

    return JSONResponse({**(await run_in_threadpool(answer)), "cached": False})


async def _cached_call(
    state: AppState,
    worker: ModelWorker,
    *,
    kind: str,
    key_parts: dict[str, Any] | None,
    compute: Callable[[Any], Any],
    classify: Callable[[Exception], ApiError],
    request: Request | None = None,
    cached_only: bool = False,
) -> JSONResponse:
    """Answer from the cache, or run ``compute(lm)`` on the worker and cache its (JSON) value.

    ``cached_only``: answer from the cache or not at all (404 ``not_cached``), never computing:
    what a page opened from a link asks first, to show a result it already has.

    The call gets a :class:`CallHandle` (its id in the ``X-Promptlight-Call`` response header):
    ``GET /api/calls/{id}`` reads its progress, ``POST /api/calls/{id}/cancel`` stops it, and a
    client that hangs up cancels it too.
    """
    use_cache = key_parts is not None and state.settings.cache_size > 0

    def key_for(fingerprint: str | None) -> str | None:
        return _result_key(kind, fingerprint, key_parts) if use_cache else None

    key = key_for(worker.fingerprint)
    if key is not None:
        hit = await run_in_threadpool(_cached, state.store, key)
        if hit is not None:
            return JSONResponse({**hit, "cached": True})
    if cached_only:
        why = "the request is not deterministic (it samples without a seed)" if key_parts is None else "none is cached"
        raise ApiError(
            404,
            "not_cached",
            f"No cached {kind} result for this request ({why}); send it without cached_only to compute it.",
        )

    def job(lm: Any) -> tuple[Any, bool]:
        job_key = key_for(worker.fingerprint)
        if job_key is not None:
            hit = _cached(state.store, job_key)
            if hit is not None:
                return hit, True
        value = _json_safe(compute(lm))
        if job_key is not None:
            _store_result(state, job_key, kind, value)
        return value, False

    handle = _new_call(state, request, worker.name)
    call = asyncio.ensure_future(worker.call(job, timeout=state.settings.model_timeout, handle=handle))
    try:
        value, cached = await _until_done_or_gone(call, handle, request)
    except ApiError:
        raise
    except Exception as exc:
        raise classify(exc) from exc
    return JSONResponse({**value, "cached": cached}, headers={CALL_HEADER: handle.id})


@router.get("/calls/{call_id}", summary="Progress of a model call (by its X-Promptlight-Call id)")
def call_progress(call_id: str, state: AppState = State) -> dict[str, Any]:
    handle = state.calls.get(call_id)
    if handle is None:
        raise ApiError(
            404,
            "not_found",
            f"No model call {call_id[:80]!r} is known (finished calls are kept {CALL_MEMORY_S:g} s).",
            field="call_id",
        )
    return handle.to_dict()


@router.post(
    "/calls/{call_id}/cancel", summary="Stop a model call: dropped if queued, stopped at its next layer if running"
)
def cancel_call(call_id: str, state: AppState = State) -> dict[str, Any]:
    handle = state.calls.get(call_id)
    if handle is None:
        raise ApiError(404, "not_found", f"No model call {call_id[:80]!r} is known.", field="call_id")
    cancelled = handle.cancel()
    return {**handle.to_dict(), "cancelled": cancelled}


def _store_result(state: AppState, key: str, kind: str, value: Any) -> None:
    """Cache ``value`` under ``key``; a cache that cannot be written must not fail the call."""
    try:
        state.store.put_result(
            key, kind, value, max_entries=state.settings.cache_size, max_bytes=state.settings.cache_mib * 2**20
        )
    except Exception as exc:  # noqa: BLE001
        log.warning("could not cache a %s result: %s", kind, exc)


def _cached(store: Any, key: str) -> Any | None:
    """The cached result under ``key``; a cache that cannot be read right now is a miss."""
    from promptlight.store import StorageUnavailable

    try:
        return store.get_result(key)
    except StorageUnavailable as exc:
        log.warning("results cache not readable, computing instead: %s", exc)
        return None


def _json_safe(value: Any) -> Any:
    """JSON has no NaN or infinity: such numbers (a numerical failure) are sent as null."""
    if isinstance(value, float) and not math.isfinite(value):
        log.warning("a model call returned the non-finite number %r; sending null", value)
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _model_failure(model: str, exc: Exception) -> ApiError:
    log.error("model call on %s failed", model, exc_info=exc)
    return ApiError(500, "model_error", f"The model call on {model!r} failed: {type(exc).__name__}: {exc}")


@router.post(
    "/generate",
    response_model=schemas.GenerationOut,
    responses=_MODEL_ERRORS,
    summary="Continue a prompt (cached when deterministic)",
)
async def generate(
    body: schemas.GenerateRequest, request: Request, state: AppState = State, cached_only: bool = _CACHED_ONLY
) -> JSONResponse:
    settings = state.settings
    worker = _worker(state, body.model)
    if body.max_new_tokens > settings.max_new_tokens:
        raise invalid(
            f"max_new_tokens is {body.max_new_tokens}; the limit is max_new_tokens = {settings.max_new_tokens} "
            "(setting --max-new-tokens / PROMPTLIGHT_MAX_NEW_TOKENS).",
            "max_new_tokens",
        )
    options = body.model_dump(exclude={"model", "prompt", "messages"})
    greedy = body.temperature == 0.0
    if greedy:  # sampling knobs do not change a greedy generation: one cache entry for all of them
        options.update(top_p=1.0, top_k=0, seed=None)
    deterministic = greedy or body.seed is not None

    def compute(lm: Any) -> dict[str, Any]:
        prompt, _reply = _prompt_text(lm, body)
        _check_prompt_tokens(lm, prompt, settings)
        return lm.generate(prompt, **body.model_dump(exclude={"model", "prompt", "messages"})).to_dict()

    def classify(exc: Exception) -> ApiError:
        if isinstance(exc, (ValueError, TypeError)):
            return invalid(str(exc), getattr(exc, "field", None) or "prompt")
        return _model_failure(worker.name, exc)

    return await _cached_call(
        state,
        worker,
        kind="generate",
        key_parts={"prompt": body.prompt_input(), "options": options} if deterministic else None,
        compute=compute,
        classify=classify,
        request=request,
        cached_only=cached_only,
    )


def _prompt_text(lm: Any, body: schemas.PromptOrMessages) -> tuple[str, str | None]:
    """The text the model reads and, for a chat ending with an assistant message, that reply."""
    from promptlight.chat import model_text

    return model_text(lm, body.prompt_input())


def _validate_salience(body: schemas.SalienceRequest, settings: Settings) -> dict[str, Any]:
    """Method, granularity and options checked before the call is queued; returns the parsed options."""
    from promptlight.errors import InvalidArgument
    from promptlight.salience import get_method
    from promptlight.segments import resolve_granularity

    try:
        info = get_method(body.method)
        resolve_granularity(body.granularity)
        return info.parse_options(body.options, settings)
    except InvalidArgument as exc:
        raise _invalid_from(exc) from None


@router.post(
    "/salience",
    response_model=schemas.SalienceOut,
    responses=_MODEL_ERRORS,
    summary="Sequence salience of (a span of) the target over the prompt",
)
async def salience(
    body: schemas.SalienceRequest, request: Request, state: AppState = State, cached_only: bool = _CACHED_ONLY
) -> JSONResponse:
    settings = state.settings
    worker = _worker(state, body.model)
    # Off the event loop: a user's regex granularity is compiled here (bounded, but up to ~60 ms).
    options = await run_in_threadpool(_validate_salience, body, settings)
    inputs = body.model_dump(exclude={"model", "answer_from"})
    inputs["target_span"] = list(body.target_span) if body.target_span is not None else None
    if body.answer_from is not None:
        return await _answer_from_record(state, worker, body, inputs)

    def compute(lm: Any) -> dict[str, Any]:
        from promptlight.pipeline import DEFAULT_GENERATION, explain

        prompt, reply = _prompt_text(lm, body)
        prompt_tokens = _check_prompt_tokens(lm, prompt, settings)
        target_tokens = DEFAULT_GENERATION["max_new_tokens"]
        target = body.target if body.target is not None else reply
        if target is not None:
            n = target_tokens = len(lm.tokenize(target, add_bos=False).ids)
            if n > settings.max_new_tokens:
                raise ApiError(
                    413,
                    "too_large",
                    f"The target is {n} tokens long; the limit is max_new_tokens = {settings.max_new_tokens} "
                    "(setting --max-new-tokens / PROMPTLIGHT_MAX_NEW_TOKENS).",
                    field="target",
                )
        if body.foil is not None:
            n = len(lm.tokenize(body.foil, add_bos=False).ids)
            if n > settings.max_new_tokens:
                raise ApiError(
                    413,
                    "too_large",
                    f"The foil is {n} tokens long; the limit is max_new_tokens = {settings.max_new_tokens} "
                    "(setting --max-new-tokens / PROMPTLIGHT_MAX_NEW_TOKENS).",
                    field="foil",
                )
        _check_batch_tokens(options, body.options, prompt_tokens + target_tokens, settings)
        result = explain(
            lm,
            body.prompt_input(),
            target=body.target,
            target_span=body.target_span,
            method=body.method,
            granularity=body.granularity,
            foil=body.foil,
            options=options,
            settings=settings,
            check=body.check,
        )
        return result.to_dict()

    def classify(exc: Exception) -> ApiError:
        if isinstance(exc, (ValueError, TypeError)):
            return _invalid_from(exc)
        return _model_failure(worker.name, exc)

    return await _cached_call(
        state,
        worker,
        kind="salience",
        key_parts={"inputs": inputs},
        compute=compute,
        classify=classify,
        request=request,
        cached_only=cached_only,
    )
