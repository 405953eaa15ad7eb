"""The one error envelope, and the handlers that turn every failure into it.

    {"error": {"code": "invalid_request", "message": "...", "field": "method"}}

``field`` names the request field at fault (dotted for nested ones, e.g. ``options.steps``)
or is ``null``. Codes and their statuses are listed in :data:`CODES` and ``docs/api.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("promptlight.server")

#: code -> the statuses it is sent with.
CODES: dict[str, tuple[int, ...]] = {
    "invalid_request": (400, 422),
    "unauthorized": (401,),
    "forbidden": (403,),
    "not_found": (404,),
    "not_cached": (404,),
    "method_not_allowed": (405,),
    "read_only": (409,),
    "cancelled": (409,),
    "too_large": (413,),
    "request_timeout": (408,),
    "unsupported_media_type": (415,),
    "busy": (429, 503),
    "storage_unavailable": (503,),
    "model_error": (500, 503),
    "timeout": (504,),
    "internal": (500,),
}

_CODE_BY_STATUS = {400: "invalid_request", 422: "invalid_request", 401: "unauthorized", 403: "forbidden",
                   404: "not_found", 405: "method_not_allowed", 409: "read_only", 413: "too_large",
                   415: "unsupported_media_type", 429: "busy", 503: "busy", 504: "timeout"}  # fmt: skip


class ApiError(Exception):
    """An error answered with the envelope. Raise it from handlers and workers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if code not in CODES:
            raise ValueError(f"Unknown error code {code!r}. Available: {', '.join(CODES)}.")
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})


def invalid(message: str, field: str | None, *, status: int = 422) -> ApiError:
    return ApiError(status, "invalid_request", message, field=field)


def envelope(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(envelope(code, message, field), status_code=status, headers=dict(headers or {}))


def field_name(loc: Sequence[Any]) -> str | None:
    """Pydantic's ``("body", "options", "steps")`` -> ``"options.steps"``; ``None`` for the body itself."""
    parts = (
        [str(p) for p in loc[1:]] if loc and loc[0] in ("body", "query", "path", "header") else [str(p) for p in loc]
    )
    return ".".join(parts) or None


def _describe(error: Mapping[str, Any]) -> tuple[int, str, str | None]:
    """One pydantic error -> (status, message, field)."""
    kind = error.get("type", "")
    field = field_name(error.get("loc", ()))
    named = (error.get("ctx") or {}).get("field")
    if kind == "field_conflict" and isinstance(named, str):  # a body-level check that names its field
        return 422, f"{error.get('msg', 'invalid value')}.", named
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        return 400, f"The request body is not valid JSON{': ' + reason if reason else ''}.", "body"
    if field is None:
        if kind == "missing":
            return 422, "The request needs a JSON object as its body.", "body"
        return 422, f"The request body must be a JSON object: {error.get('msg', '')}.", "body"
    if kind == "missing":
        return 422, f"{field} is required.", field
    if kind == "extra_forbidden":
        return 422, f"Unknown field {field!r}; see /docs for the fields this route takes.", field
    return 422, f"{field}: {error.get('msg', 'invalid value')}.", field


async def _validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if not errors:  # pragma: no cover - pydantic always says what failed
        return error_response(422, "invalid_request", "The request is not valid.")
    described = [_describe(e) for e in errors]
    status, message, field = described[0]
    if len(described) > 1:
        message += " Also: " + " ".join(m for _, m, _ in described[1:4])
    return error_response(status, "invalid_request", message, field)


async def _http_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    status = exc.status_code
    code = _CODE_BY_STATUS.get(status, "internal" if status >= 500 else "invalid_request")
    if status == 404:
        path = request.url.path
        if path.startswith("/api"):
            message = f"No API route {path}; /docs lists the routes."
        else:
            message = f"Nothing at {path}. The app is at /, the API under /api (see /docs)."
    elif status == 405:
        allowed = (exc.headers or {}).get("allow") or (exc.headers or {}).get("Allow") or ""
        message = f"{request.method} is not allowed on {request.url.path}." + (
            f" Allowed: {allowed}." if allowed else ""
        )
    elif status == 400 and exc.__cause__ is not None:
        # FastAPI's "There was an error parsing the body": say what was wrong with it.
        return error_response(400, code, _unreadable_body(exc.__cause__), "body", exc.headers)
    else:
        message = str(exc.detail)
    return error_response(status, code, message, None, exc.headers)


def _unreadable_body(cause: BaseException) -> str:
    if isinstance(cause, UnicodeDecodeError):
        return (
            f"The request body is not valid text ({cause.encoding} decoding failed at byte offset {cause.start}: "
            f"{cause.reason}); send JSON encoded as UTF-8."
        )
    return f"The request body could not be read as JSON ({type(cause).__name__}); send a UTF-8 JSON object."


async def _api_error_handler(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)


#: Seconds a client should wait after a 503 storage_unavailable.
STORAGE_RETRY_AFTER = 5


async def _storage_handler(request: Request, exc: Exception) -> JSONResponse:
    log.warning("storage unavailable on %s %s: %s", request.method, request.url.path, exc)
    return error_response(503, "storage_unavailable", str(exc), None, {"Retry-After": str(STORAGE_RETRY_AFTER)})


async def _unexpected_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("Unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal", f"Unexpected server error ({type(exc).__name__}); see the server log.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_handler)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _api_error_handler)  # type: ignore[arg-type]
    from promptlight.store import StorageUnavailable

    app.add_exception_handler(StorageUnavailable, _storage_handler)
    app.add_exception_handler(Exception, _unexpected_handler)
