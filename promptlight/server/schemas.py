"""Pydantic models at the API edge: request bodies (validated) and responses (documented).

Request models forbid unknown fields, so a typo (``max_tokens``) is a 422 naming it rather
than a silently ignored option. Limits that depend on the server's settings (token caps,
integrated-gradients steps) are checked in the routes, where the settings are known.
Response models mirror ``docs/api.md`` and ``docs/result-schema.md`` for ``/docs`` and
the TypeScript types; large responses are sent without re-validation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

#: Dataset names: no colon (ids are ``NAME:INDEX``), no control characters.
DATASET_NAME_PATTERN = r"^[^:\x00-\x1f\x7f]+$"
MAX_STOP_STRINGS = 16
MAX_FIELDS_BYTES = 65_536


def _utf8(value: str) -> str:
    """Reject strings that cannot be stored or tokenized (lone surrogates from ``\\ud800`` escapes)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"contains an unpaired surrogate (\\u{ord(value[exc.start]):04x}); send valid Unicode text"
        ) from None
    return value


def _json_object(value: dict[str, Any]) -> dict[str, Any]:
    import json

    from promptlight.jsonshape import depth_problem

    problem = depth_problem(value)
    if problem:
        raise ValueError(problem)
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"must be plain JSON with valid Unicode text ({exc})") from None
    if len(text) > MAX_FIELDS_BYTES:
        raise ValueError(f"is {len(text)} characters as JSON; the limit is {MAX_FIELDS_BYTES}")
    return value


Text = Annotated[str, AfterValidator(_utf8)]
Prompt = Annotated[str, Field(min_length=1, description="the prompt text (not empty)"), AfterValidator(_utf8)]
DatasetName = Annotated[str, Field(min_length=1, max_length=200, pattern=DATASET_NAME_PATTERN), AfterValidator(_utf8)]
Fields = Annotated[dict[str, Any], AfterValidator(_json_object)]


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- datapoints -----------------------------------------------------------------------


class DatapointCreate(StrictBody):
    dataset: DatasetName = Field("scratch", description="dataset to file it under; any name without a colon")
    prompt: Prompt
    target: Text = ""
    source: Annotated[str, Field(max_length=1000), AfterValidator(_utf8)] = ""
    fields: Fields = Field(default_factory=dict, description="extra columns, any JSON object")


class DatasetUpload(StrictBody):
    """``POST /api/datasets`` body: a dataset file's text, read with the same loaders as the CLI."""

    filename: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_utf8)] = Field(
        description="the file's name; its extension (.jsonl, .csv, .txt) says how to read it"
    )
    content: Text = Field(description="the whole file, as UTF-8 text")
    dataset: DatasetName | None = Field(None, description="dataset to file the rows under (default: the file's stem)")


class DatasetUploaded(BaseModel):
    dataset: str
    added: int = Field(description="how many rows became datapoints")
    ids: list[str] = Field(description="their ids, in file order")


class DatapointUpdate(StrictBody):
    """``PUT`` body: every field optional; only the given ones change."""

    dataset: DatasetName | None = None
    prompt: Prompt | None = None
    target: Text | None = None
    source: Annotated[str, Field(max_length=1000), AfterValidator(_utf8)] | None = None
    fields: Fields | None = None


class Datapoint(BaseModel):
    id: str = Field(description="'u:17' for your datapoints, 'sample_prompts:3' for dataset rows")
    dataset: str
    prompt: str
    target: str
    source: str
    fields: dict[str, Any]
    origin: Literal["dataset", "user"]
    created: str | None = Field(description="ISO 8601 UTC; null for dataset rows")
    updated: str | None


# --- model calls ----------------------------------------------------------------------


class ChatMessage(StrictBody):
    role: Literal["system", "user", "assistant"]
    content: Annotated[str, Field(min_length=1), AfterValidator(_utf8)]


Messages = Annotated[
    list[ChatMessage],
    Field(
        min_length=1,
        max_length=256,
        description="a chat, rendered with the model's chat template (instead of prompt); "
        "a trailing assistant message is the target",
    ),
]


class PromptOrMessages(StrictBody):
    """A body with a plain ``prompt`` or a chat's ``messages``, exactly one of them."""

    prompt: Prompt | None = None
    messages: Messages | None = None

    @model_validator(mode="after")
    def _one_prompt(self) -> PromptOrMessages:
        if (self.prompt is None) == (self.messages is None):
            raise PydanticCustomError(
                "field_conflict",
                "Give exactly one of 'prompt' (text) and 'messages' (a chat)",
                {"field": "messages" if self.messages is not None else "prompt"},
            )
        return self

    def prompt_input(self) -> str | list[dict[str, str]]:
        """What :func:`promptlight.explain` takes: the text, or the messages as plain dicts."""
        if self.messages is not None:
            return [m.model_dump() for m in self.messages]
        assert self.prompt is not None
        return self.prompt


class GenerateRequest(PromptOrMessages):
    model: Text | None = Field(None, description="a name from /api/models (default: the first)")
    max_new_tokens: int = Field(64, ge=1, description="capped by the max_new_tokens setting")
    temperature: float = Field(0.0, ge=0.0, le=100.0, allow_inf_nan=False, description="0 = greedy, else up to 100")
    top_p: float = Field(1.0, gt=0.0, le=1.0, allow_inf_nan=False)
    top_k: int = Field(0, ge=0, le=1_000_000, description="0 = no limit")
    seed: int | None = Field(0, ge=0, le=2**63 - 1, description="sampling seed; null = random (not cached)")
    stop: list[Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_utf8)]] = Field(
        default_factory=list, max_length=MAX_STOP_STRINGS
    )


class SalienceRequest(PromptOrMessages):
    model: Text | None = Field(None, description="a name from /api/models (default: the first)")
    target: Text | None = Field(None, description="the text to explain; null = generate it first (greedy)")
    target_span: tuple[int, int] | None = Field(None, description="[start, end) chars of the target; null = all")
    method: Text = "grad_l2"
    granularity: Annotated[str, Field(max_length=500), AfterValidator(_utf8)] = "words"
    options: Fields = Field(default_factory=dict, description='method options, e.g. {"steps": 32}')
    foil: Text | None = Field(
        None, description="explain why the selection rather than this text (contrastive); null = the plain objective"
    )
    check: bool = Field(
        False,
        description="add the faithfulness check at this granularity: f after removing the top-1 and top-3 segments "
        "versus 8 random sets of the same size (about 17 more suffix passes)",
    )
    answer_from: tuple[int, int] | None = Field(
        None,
        description="answer from the record of the cached run of this same request over this target_span instead "
        "(occlusion and the ablation family keep one): no model call; 404 not_cached when that run is not cached",
    )


class TokenOut(BaseModel):
    id: int
    text: str
    start: int
    end: int


class GenerationOut(BaseModel):
    model: str
    prompt: str
    text: str
    finish_reason: Literal["eos", "length", "stop"]
    tokens: list[TokenOut]
    cached: bool


class SalienceToken(BaseModel):
    text: str
    start: int
    end: int
    special: bool = False
    template: bool = Field(False, description="a chat-template token (role marker, turn delimiter)")
    scores: dict[str, float | None]


class SegmentScoresOut(BaseModel):
    granularity: str
    values: list[float | None]


class SalienceOut(BaseModel):
    """The result record of ``docs/result-schema.md`` plus ``cached``."""

    model_config = ConfigDict(extra="allow")

    schema_version: int
    model: str
    text: str
    prompt_span: tuple[int, int]
    target_span: tuple[int, int]
    selected_span: tuple[int, int]
    objective: str
    objective_value: float
    method: str
    methods: dict[str, dict[str, Any]]
    tokens: list[SalienceToken]
    target_token_span: tuple[int, int]
    boundaries: dict[str, list[tuple[int, int]]]
    segment_scores: dict[str, SegmentScoresOut]
    options: dict[str, Any]
    device: str
    dtype: str
    objective_spec: dict[str, Any]
    foil: str | None
    f_target: float | None
    f_foil: float | None
    alternatives: list[dict[str, Any]]
    messages: list[dict[str, Any]] = Field(
        default_factory=list, description="chat prompts: each message's role and content chars [start, end)"
    )
    faithfulness: dict[str, Any] | None = Field(
        None, description="the faithfulness check when asked for (check: true); see docs/result-schema.md"
    )
    cached: bool


# --- catalog --------------------------------------------------------------------------


class ModelStatus(BaseModel):
    state: Literal["loading", "loaded", "error"]
    loaded: bool
    busy: bool
    queued: int
    error: str | None


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    models: dict[str, ModelStatus]


class SettingOut(BaseModel):
    name: str
    value: Any
    default: Any
    type: str
    help: str
    env: str
    flag: str


class SettingsOut(BaseModel):
    settings: list[SettingOut]


class OptionOut(BaseModel):
    """One row of a method's option table (see ``promptlight/salience/options.py``)."""

    name: str
    type: Literal["integer", "number", "string", "boolean"]
    default: Any
    help: str
    minimum: float | None
    maximum: float | None
    choices: list[str] | None
    special: list[str]
    cap: str | None
    nullable: bool


class MethodOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    signed: bool
    level: Literal["tokens", "segments"]
    cost: str
    reference: str
    description: str
    options: list[OptionOut]
    also_computes: list[str]


class ModelOut(BaseModel):
    name: str
    spec: str
    state: Literal["loading", "loaded", "error"]
    error: str | None
    device: str | None = None
    dtype: str | None = None
    parameters: int | None = None
    architecture: str | None = None
    chat_template: bool | None = Field(None, description="whether the model can read messages (has a chat template)")


class ModelFileOut(BaseModel):
    id: str = Field(description="what POST /api/models takes: the --model-dirs folder's name, then the path inside it")
    kind: Literal["folder", "gguf"]
    name: str = Field(description="the model's name once loaded (a suffix -2, -3 if taken)")
    loaded_as: str | None = Field(description="the name it is loaded under, or null")


class ModelFilesOut(BaseModel):
    dirs: list[str] = Field(description="the --model-dirs folders' names (empty: none)")
    files: list[ModelFileOut]


class ModelAdd(StrictBody):
    file: Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_utf8)] = Field(
        description="an id from GET /api/model-files"
    )


class DatasetOut(BaseModel):
    name: str
    spec: str | None = Field(description="null for a dataset that holds only your datapoints")
    description: str
    count: int = Field(description="rows of the loaded dataset")
    user_count: int = Field(description="your datapoints filed under this name")
