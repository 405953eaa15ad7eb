"""The ``promptlight`` console script.

    promptlight serve                                   # the web app on gemma3-270m + sample_prompts
    promptlight generate --model gemma3-270m --dataset sample_prompts --source fewshot-mistake
    promptlight explain --model gemma3-270m --prompt-file p.txt --target " Avoid it." --granularity lines
    promptlight batch --model gemma3-270m --dataset prompts.jsonl --method occlusion --granularity lines --out runs/a
    promptlight models | datasets | methods

``--format json`` prints machine-readable records (JSON Lines when there are several);
the default text format is for people. Errors in what you typed are printed as one line
(``promptlight: error: ...``) with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in the command line or its inputs; printed without a traceback."""


def _limits() -> Any:
    """The server's settings (defaults, or the ``PROMPTLIGHT_*`` environment): the CLI applies the same limits."""
    from promptlight.server.settings import Settings

    return Settings.from_env()


def _read_text_file(path: str, *, what: str, max_bytes: int | None = None) -> str:
    from promptlight.files import FileProblem, read_regular_file

    try:
        raw = read_regular_file(path, what=what, max_bytes=max_bytes or _limits().max_body_bytes)
    except FileProblem as exc:
        raise UsageError(
            f"{exc} (the limit is the max_body_bytes setting)" if "limit" in str(exc) else str(exc)
        ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what} {path!r} is not valid UTF-8 (bad byte at offset {exc.start}).") from None


def _check_generation_numbers(args) -> None:
    """Generation options within the server's limits (and valid at all), before any model loads."""
    import math

    from promptlight.models.generation import validate_generation_options

    cap = _limits().max_new_tokens
    if args.max_new_tokens < 1 or args.max_new_tokens > cap:
        raise UsageError(
            f"--max-new-tokens is {args.max_new_tokens}; it must be between 1 and {cap} "
            "(the max_new_tokens setting, PROMPTLIGHT_MAX_NEW_TOKENS)."
        )
    if not math.isfinite(args.temperature) or not 0.0 <= args.temperature <= 100.0:
        raise UsageError(f"--temperature is {args.temperature}; it must be 0 (greedy) or a positive number up to 100.")
    options = _generation_options(args)
    validate_generation_options(**{k: options[k] for k in ("max_new_tokens", "temperature", "top_p", "top_k", "stop")})


def _check_prompt_length(lm: Any, prompt: str | list[dict[str, str]], *, what: str) -> None:
    """The prompt's length in tokens against ``max_prompt_tokens``, before any forward pass."""
    cap = _limits().max_prompt_tokens
    from promptlight.chat import model_text

    n = len(lm.tokenize(model_text(lm, prompt)[0]).ids)
    if n > cap:
        raise UsageError(
            f"{what} is {n} tokens long; the limit is {cap} (the max_prompt_tokens setting, PROMPTLIGHT_MAX_PROMPT_TOKENS)."
        )


def _output_path(args) -> Path | None:
    from promptlight.files import FileProblem, check_output_path

    if not getattr(args, "out", None):
        return None
    try:
        return check_output_path(args.out, what="--out")
    except FileProblem as exc:
        raise UsageError(str(exc)) from None


def _non_empty(prompt: str, *, what: str) -> str:
    if not prompt.strip():
        raise UsageError(f"{what} is empty; give the prompt text the model should continue.")
    return prompt


PromptInput = str | list[dict[str, str]]


def _prompts_from_args(args) -> list[tuple[str, PromptInput, str, str | None, tuple[str, ...]]]:
    """``[(source, prompt, target, foil, stop)]`` from ``--prompt``, ``--prompt-file``, ``--messages-file`` or ``--dataset``.

    ``prompt`` is text or a chat (a list of messages): ``--messages-file``, a dataset row's
    ``messages`` column, or any text prompt under ``--chat`` (one user message). A dataset
    row's ``foil`` column (if any) is its foil; otherwise ``None``. ``stop``: the row's own
    stop strings (its ``stop`` column, :attr:`Example.stop`), ``()`` outside a dataset.
    """
    from promptlight.chat import check_messages, messages_of

    chat = getattr(args, "chat", False)

    def wrap(text: str) -> PromptInput:
        return [{"role": "user", "content": text}] if chat else text

    if args.prompt is not None:
        return [("prompt", wrap(_non_empty(args.prompt, what="--prompt")), "", None, ())]
    if args.prompt_file is not None:
        text = _read_text_file(args.prompt_file, what="Prompt file")
        return [
            (
                Path(args.prompt_file).name,
                wrap(_non_empty(text, what=f"Prompt file {args.prompt_file!r}")),
                "",
                None,
                (),
            )
        ]
    if getattr(args, "messages_file", None) is not None:
        raw = _read_text_file(args.messages_file, what="Messages file")
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"Messages file {args.messages_file!r} is not JSON ({exc}); it holds a list like "
                '[{"role": "user", "content": "..."}].'
            ) from None
        messages = data.get("messages") if isinstance(data, dict) else data
        checked = check_messages(messages, field=f"messages file {args.messages_file!r}")
        return [(Path(args.messages_file).name, [m.to_dict() for m in checked], "", None, ())]
    from promptlight.data import load_dataset

    dataset = load_dataset(args.dataset)
    examples = list(dataset.examples)
    if args.source:
        examples = [dataset.by_source(args.source)]
    foils = [ex.fields.get("foil") for ex in examples]
    return [
        (
            ex.source,
            messages_of(ex.fields) or wrap(ex.prompt),
            ex.target,
            f if isinstance(f, str) and f else None,
            ex.stop,
        )
        for ex, f in zip(examples, foils)
    ]


def _add_prompt_arguments(parser: argparse.ArgumentParser, *, dataset: bool) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--prompt", help="the prompt text")
    group.add_argument("--prompt-file", metavar="FILE", help="a UTF-8 text file holding the prompt")
    group.add_argument(
        "--messages-file",
        metavar="FILE",
        help='a JSON chat, [{"role": "system"|"user"|"assistant", "content": ...}], rendered with the '
        "model's chat template (a trailing assistant message is the target)",
    )
    parser.add_argument(
        "--chat", action="store_true", help="send the prompt as one user message through the model's chat template"
    )
    if dataset:
        group.add_argument(
            "--dataset", metavar="SPEC", help="a dataset: sample_prompts, a .jsonl/.csv/.txt file or a URL"
        )
        parser.add_argument("--source", help="with --dataset: only the row with this source (e.g. fewshot-mistake)")


def _add_generation_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-new-tokens", type=int, default=64, metavar="N", help="at most N new tokens (default 64)")
    parser.add_argument("--temperature", type=float, default=0.0, metavar="T", help="0 = greedy (default)")
    parser.add_argument("--top-p", type=float, default=1.0, metavar="P", help="nucleus sampling (default 1: off)")
    parser.add_argument(
        "--top-k", type=int, default=0, metavar="K", help="sample among the K likeliest (default 0: off)"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed for sampling")
    parser.add_argument(
        "--stop",
        action="append",
        default=[],
        metavar="TEXT",
        help="stop at this text (repeatable); without it, a dataset row's own stop column applies",
    )


def _add_method_arguments(parser: argparse.ArgumentParser) -> None:
    """``--method``, ``--granularity`` and ``--option NAME=VALUE``, with help drawn from the method registry."""
    from promptlight.types import GRANULARITIES

    parser.add_argument(
        "--method", default="grad_l2", help=f"salience method: {', '.join(_method_names())} (default grad_l2)"
    )
    parser.add_argument(
        "--granularity", default="words", help=f"{', '.join(GRANULARITIES)} or regex:PATTERN (default words)"
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a method option (repeatable). " + "; ".join(_option_help()).replace("%", "%%"),
    )
    parser.add_argument(
        "--steps", default=None, help="the same as --option steps=N or steps=auto (integrated_gradients)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="add the faithfulness check: f after removing the top-1 and top-3 segments at --granularity, "
        "against 8 random sets of the same size (about 17 more suffix passes)",
    )


def _method_names() -> list[str]:
    from promptlight.salience import registered_methods

    return list(registered_methods())


def _option_help() -> list[str]:
    from promptlight.salience import registered_methods

    return [
        f"{name}: " + ", ".join(o.describe().split(":")[0] for o in info.options)
        for name, info in registered_methods().items()
        if info.options
    ]


def _add_placement_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--device", default="auto", help="auto (default: CUDA, else Apple MPS, else CPU), cpu, cuda, cuda:N or mps"
    )
    parser.add_argument(
        "--dtype",
        default="auto",
        help="auto (default: bfloat16 on a GPU, float32 on the CPU), float32, bfloat16, float16",
    )


def _generation_options(args) -> dict:
    return {
        "max_new_tokens": args.max_new_tokens,
        "temperature": args.temperature,
        "top_p": args.top_p,
        "top_k": args.top_k,
        "seed": args.seed,
        "stop": tuple(args.stop),
    }


def _load_model(args) -> Any:
    from promptlight.config import load_model_spec

    return load_model_spec(args.model, device=args.device, dtype=args.dtype)


def _check_placement(args) -> None:
    """``--device`` / ``--dtype`` checked before anything slow happens."""
    from promptlight.models.placement import resolve_device, resolve_dtype

    resolve_dtype(args.dtype, resolve_device(args.device, field="--device"), field="--dtype")


def _method_options(args) -> tuple[str, dict[str, Any]]:
    """The method and its options from ``--method``, ``--option NAME=VALUE`` and ``--steps``, parsed and capped.

    The caps are the server's settings (defaults, or the ``PROMPTLIGHT_*`` environment), so
    the CLI refuses what the server would.
    """
    from promptlight.salience import get_method

    name = get_method(args.method).name
    return name, _options_for_methods(args, [name])[name]


def cmd_generate(args) -> int:
    _check_generation_numbers(args)
    prompts = _prompts_from_args(args)
    _check_placement(args)
    lm = _load_model(args)
    from promptlight.chat import model_text

    for source, given, _target, _foil, own_stop in prompts:
        _check_prompt_length(lm, given, what=f"The prompt of {source!r}")
        prompt, _reply = model_text(lm, given)
        options = _generation_options(args)
        gen = lm.generate(prompt, **{**options, "stop": options["stop"] or own_stop})  # --stop wins over the row's
        if args.format == "json":
            print(json.dumps({**gen.to_dict(), "source": source}, ensure_ascii=False), flush=True)
        else:
            if len(prompts) > 1:
                print(f"=== {source} ===")
            print(prompt + _bold(gen.text), flush=True)
            if len(prompts) > 1:
                print()
    return 0


def _parse_span(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        start, end = (int(part) for part in text.split(":"))
    except ValueError:
        raise UsageError(
            f"--target-span {text!r} must be START:END, two integers (char offsets into the target)."
        ) from None
    return start, end


def _select(
    lm: Any, prompt: Any, target: str | None, text: str, generation: dict
) -> tuple[str | None, tuple[int, int]]:
    """``(target, span)`` of the first occurrence of ``text`` in the target (generated first if none is given)."""
    if not text.strip():
        raise UsageError("--select is empty; give some text of the target to explain.")
    reply = None
    if target is None:
        from promptlight.chat import model_text

        text_read, reply = model_text(lm, prompt)
        target = reply if reply is not None else lm.generate(text_read, **generation).text
    assert target is not None
    start = target.find(text)
    if start < 0:
        raise UsageError(f"--select {text!r} does not occur in the target {target[:120]!r}; give text it contains.")
    # A chat's own reply stays in its messages (explain takes it from there), so no target is passed.
    return (None if reply is not None else target), (start, start + len(text))


def cmd_explain(args) -> int:
    from promptlight.pipeline import explain

    # Validate cheap things before loading a model.
    method, options = _method_options(args)
    _check_generation_numbers(args)
    out_path = _output_path(args)
    (_, prompt, _, _, _), *_ = _prompts_from_args(args)
    target = args.target
    if args.target_file is not None:
        target = _read_text_file(args.target_file, what="Target file")
    foil = _read_text_file(args.foil_file, what="Foil file") if args.foil_file is not None else args.foil
    if foil is not None and not foil.strip():
        raise UsageError("The foil is empty; give the alternative text to compare the selection with (--foil TEXT).")
    _check_placement(args)
    lm = _load_model(args)
    _check_prompt_length(lm, prompt, what="The prompt")
    target_span = _parse_span(args.target_span)
    if args.select is not None:
        target, target_span = _select(lm, prompt, target, args.select, _generation_options(args))
    result = explain(
        lm,
        prompt,
        target=target,
        target_span=target_span,
        method=method,
        granularity=args.granularity,
        generation=_generation_options(args),
        foil=foil,
        options=options,
        check=args.check,
    )
    return _emit_result(result, args, granularity=args.granularity, out_path=out_path)


def _emit_result(result: Any, args, *, granularity: str, out_path: Any) -> int:
    """Write ``result`` in ``args.format`` to ``out_path`` (atomically) or standard output."""
    if args.format == "json":
        out = result.to_json()
    elif args.format == "html":
        out = result.to_html(granularity=granularity)
    else:
        from promptlight.report import result_to_terminal

        out = result_to_terminal(result, granularity=granularity, color=_use_color(args), top=args.top)
    if out_path is not None:
        from promptlight.files import FileProblem, write_atomically

        try:
            write_atomically(out_path, out + "\n")
        except FileProblem as exc:
            raise UsageError(str(exc)) from None
        print(f"promptlight: wrote {args.out}", file=sys.stderr)
    else:
        print(out)
    return 0


#: The largest result record ``reselect`` reads (a record keeps every variant's per-token log-probabilities).
RESULT_FILE_MAX_BYTES = 256 * 2**20


def cmd_reselect(args) -> int:
    """A new selection of a saved perturbation result, answered from its record (no model is loaded)."""
    from promptlight.errors import InvalidArgument
    from promptlight.reselect import reselect
    from promptlight.result import SalienceResult

    out_path = _output_path(args)
    text = _read_text_file(args.result, what="Result file", max_bytes=RESULT_FILE_MAX_BYTES)
    try:
        result = SalienceResult.from_json(text)
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{args.result} is not a promptlight result record (JSON from --format json): {exc}") from None
    if args.select is not None:
        start = result.target.find(args.select) if args.select.strip() else -1
        if start < 0:
            raise UsageError(f"--select {args.select!r} does not occur in the target {result.target[:120]!r}.")
        span = (start, start + len(args.select))
    else:
        parsed = _parse_span(args.target_span)
        assert parsed is not None
        span = parsed
    try:
        answered = reselect(result, target_span=span)
    except InvalidArgument as exc:
        raise UsageError(str(exc)) from None
    granularity = str(answered.options.get("granularity", "words"))
    return _emit_result(answered, args, granularity=granularity, out_path=out_path)


def cmd_batch(args) -> int:
    """Explain every row of a dataset with one or more methods (``promptlight.runs``).

    With ``--out DIR`` the results go to a run folder (:mod:`promptlight.runs.folder`): every
    finished row is flushed to its journal at once, rows already done are skipped (so a
    rerun resumes), and the Parquet tables are rebuilt at the end. Without ``--out`` the
    records are printed as JSON Lines. Ctrl-C or SIGTERM finishes the row in flight, writes
    the tables and exits 130 or 143. Exit status 1 if any row failed, 0 if none did.
    """
    from promptlight.runs.job import BatchJob, parse_shard, parse_target_rule, tasks_for

    methods = [m.strip() for m in (args.methods or args.method).split(",") if m.strip()]
    options = _options_for_methods(args, methods)
    _check_generation_numbers(args)
    try:
        rule = parse_target_rule(args.target)
        shard = parse_shard(args.shard)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.limit is not None and args.limit < 1:
        raise UsageError(f"--limit is {args.limit}; give a number of rows of at least 1.")
    if args.workers < 1:
        raise UsageError(f"--workers is {args.workers}; give at least 1.")
    if args.gpus_per_worker < 0:
        raise UsageError(f"--gpus-per-worker is {args.gpus_per_worker}; give 0 or more.")
    if args.engine == "local" and (args.workers != 1 or args.gpus_per_worker or args.ray_address):
        raise UsageError("--workers, --gpus-per-worker and --ray-address need --engine ray.")
    template = _read_text_file(args.template, what="Template file") if args.template else None
    if template is not None:
        from promptlight.data.template import PromptTemplate, TemplateError

        try:
            PromptTemplate.parse(template, origin=f"Template file {args.template!r}")
        except TemplateError as exc:
            raise UsageError(str(exc)) from None
    from promptlight.data import load_dataset

    dataset = load_dataset(args.dataset, template=template)
    examples = [dataset.by_source(args.source)] if args.source else list(dataset.examples)
    _check_placement(args)
    device, dtype = _resolved_placement(args)
    job = BatchJob(
        model=args.model,
        device=device,
        dtype=dtype,
        methods=tuple(methods),
        granularity=args.granularity,
        options=options,
        target_rule=rule,
        generation=_generation_options(args),
        foil=args.foil,
        check=args.check,
        chat=args.chat,
    )
    if args.granularity == "fields" and not any(isinstance(ex.fields.get("template"), str) for ex in examples):
        raise UsageError(
            "--granularity fields needs prompts filled from a template: give --template FILE or a 'template' column."
        )
    tasks = tasks_for(job, examples, limit=args.limit, shard=shard)
    from promptlight.runs.stopping import Stopper

    stopper = Stopper()
    folder = _run_folder(args, job)
    todo = tasks
    if folder is not None:
        done = folder.done_keys()
        todo = [t for t in tasks if t.key not in done]
        if len(todo) < len(tasks):
            print(
                f"promptlight: {len(tasks) - len(todo)} of {len(tasks)} rows already done in {args.out}; resuming",
                file=sys.stderr,
            )
    engine = _engine(args, job, on_start=stopper.install)
    failed = finished = 0
    progress = _BatchProgress(len(todo))
    stopper.install()
    try:
        for outcome in engine.run(todo, stop=stopper):
            if folder is not None:
                folder.add(outcome)
            elif outcome["status"] == "ok":
                line = {"source": outcome["source"], **outcome["record"]}
                print(json.dumps(line, ensure_ascii=False), flush=True)
            finished += 1
            if outcome["status"] != "ok":
                failed += 1
                print(
                    f"promptlight: row {outcome['row']} ({outcome['source']}, {outcome['method']}) failed: {outcome['error']}",
                    file=sys.stderr,
                )
            progress.step(outcome)
    finally:
        stopper.restore()
        if folder is not None:
            _finish_folder(folder, args.out, finished=finished, failed=failed)
    if stopper.requested:
        print("promptlight: stopped; rerun the same command to resume", file=sys.stderr)
        return stopper.exit_code
    return 1 if failed else 0


def _finish_folder(folder: Any, out: str, *, finished: int, failed: int) -> None:
    """Rebuild the run folder's tables; a failure to write them (no space left) is one line, the journal stays."""
    from promptlight.runs.folder import RunFolderError

    try:
        n_rows, n_segments = folder.write_tables()
    except (OSError, RunFolderError) as exc:
        print(
            f"promptlight: error: could not write the tables of {out} ({exc}); records.jsonl keeps every done row, "
            "and the next run rebuilds them.",
            file=sys.stderr,
        )
        return
    finally:
        folder.close()
    print(
        f"promptlight: {out}: {n_rows} results, {n_segments} segments ({finished} rows explained now, {failed} failed)",
        file=sys.stderr,
    )


class _BatchProgress:
    """Progress on stderr: a bar with rate and ETA on a terminal, one line per row otherwise."""

    def __init__(self, total: int) -> None:
        import time

        self.total, self.done, self.started = total, 0, time.monotonic()
        self.first: float | None = None  # when the first row was done (the rate leaves out loading the model)
        self.bar = None
        if sys.stderr.isatty() and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="row", file=sys.stderr, dynamic_ncols=True)

    def step(self, outcome: dict[str, Any]) -> None:
        import time

        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            if self.done == self.total:
                self.bar.close()
            return
        now = time.monotonic()
        if self.first is None:
            self.first = now
        # After the first row, the rate from the first row on (so loading the model is not counted),
        # once that is more than a second long (rows arriving together in a batch would spike it).
        late = self.done > 1 and now - self.first > 1.0
        elapsed, rows = (now - self.first, self.done - 1) if late else (now - self.started, self.done)
        rate = rows / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        print(
            f"promptlight: {self.done}/{self.total} {outcome['source']} ({outcome['method']}, "
            f"{outcome['status']}) {rate * 60:.1f} rows/min, ETA {eta:.0f} s",
            file=sys.stderr,
            flush=True,
        )


def _options_for_methods(args, methods: list[str]) -> dict[str, dict[str, Any]]:
    """Each method's parsed options: an ``--option`` goes to every listed method that has it, and must fit one."""
    from promptlight.salience import get_method
    from promptlight.salience.options import parse_assignments
    from promptlight.segments import resolve_granularity
    from promptlight.server.settings import Settings

    if not methods:
        raise UsageError("--methods is empty; list one or more methods, e.g. --methods grad_l2,occlusion.")
    if len(set(methods)) < len(methods):
        raise UsageError(f"--methods {','.join(methods)} names a method twice; list each once.")
    infos = [get_method(m) for m in methods]
    resolve_granularity(args.granularity)
    raw: dict[str, Any] = parse_assignments(args.option)
    if args.steps is not None:
        raw.setdefault("steps", args.steps)
    if len(infos) > 1:
        known = {o.name for info in infos for o in info.options}
        unknown = sorted(set(raw) - known)
        if unknown:
            valid = ", ".join(sorted(known)) or "(none)"
            raise UsageError(f"--option {unknown[0]} is an option of none of {', '.join(methods)}; valid: {valid}.")
    settings = Settings.from_env()
    out = {}
    for info in infos:
        mine = raw if len(infos) == 1 else {k: v for k, v in raw.items() if k in {o.name for o in info.options}}
        out[info.name] = info.parse_options(mine, settings)
    return out


def _resolved_placement(args) -> tuple[str, str]:
    """``--device`` and ``--dtype`` as names (``cpu``, ``float32``): part of every row's key."""
    from promptlight.models.placement import resolve_device, resolve_dtype

    if args.engine == "ray" and args.device == "auto" and args.gpus_per_worker > 0:
        device = "cuda"  # the workers' GPUs, whatever the driver has
        dtype = args.dtype if args.dtype != "auto" else "bfloat16"
        return device, dtype
    resolved = resolve_device(args.device, field="--device")
    return str(resolved), str(resolve_dtype(args.dtype, resolved, field="--dtype")).removeprefix("torch.")


def _run_folder(args, job: Any) -> Any:
    if not args.out:
        return None
    from promptlight.runs.folder import RunFolder, RunFolderError

    try:
        return RunFolder(args.out, job, overwrite=args.overwrite)
    except RunFolderError as exc:
        raise UsageError(str(exc)) from None


def _engine(args, job: Any, *, on_start: Any) -> Any:
    from promptlight.runs.engines import LocalEngine, RayEngine, RayMissing

    settings = _limits()
    if args.engine == "local":
        return LocalEngine(job, load_model=lambda: _load_model(args), settings=settings)
    try:
        return RayEngine(
            job,
            settings=settings,
            workers=args.workers,
            gpus_per_worker=args.gpus_per_worker,
            address=args.ray_address,
            on_start=on_start,
        )
    except RayMissing as exc:
        raise UsageError(str(exc)) from None


def _use_color(args) -> bool:
    if args.color == "always":
        return True
    if args.color == "never":
        return False
    import os

    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _bold(text: str) -> str:
    return f"\x1b[1m{text}\x1b[0m" if sys.stdout.isatty() else text


def cmd_models(args) -> int:
    from promptlight.models import list_models

    for name, description in list_models().items():
        print(f"{name:14} {description}")
    print(
        "\nAlso accepted: a local Hugging Face model folder, a .gguf file, or a hub id (org/name). NAME:PATH names it."
    )
    return 0


def cmd_datasets(args) -> int:
    from promptlight.data import list_datasets

    for name, description in list_datasets().items():
        print(f"{name:16} {description}")
    print("\nAlso accepted: a .jsonl, .csv or .txt file, or an http(s) URL. NAME:PATH names it.")
    return 0


def cmd_methods(args) -> int:
    from promptlight.salience import list_methods, registered_methods

    methods = list_methods()
    if args.format == "json":
        print(json.dumps(methods, indent=2))
        return 0
    for m in methods:
        sign = "signed" if m["signed"] else "unsigned"
        print(f"{m['name']:22} {sign:9} {m['description']}")
        print(f"{'':22} cost: {m['cost']}")
        print(f"{'':22} reference: {m['reference']}")
        again = "answered from the run's record, no model call" if m["answers_new_selections"] else "a model call each"
        print(f"{'':22} new selections in the same target: {again}")
        for opt in registered_methods()[m["name"]].options:
            print(f"{'':22} option {opt.describe()}")
    return 0


def cmd_serve(args) -> int:
    from promptlight.server import run_serve

    return run_serve(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promptlight",
        description="An interactive prompt debugger: which parts of the prompt drove the model's output?",
    )
    parser.add_argument("--version", action="version", version=f"promptlight {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="start the web app (default: gemma3-270m with sample_prompts)")
    from promptlight.server import add_serve_arguments

    add_serve_arguments(serve)
    serve.set_defaults(func=cmd_serve)

    gen = sub.add_parser("generate", help="run the model on prompts and print the output")
    gen.add_argument(
        "--model", default="gemma3-270m", metavar="SPEC", help="NAME:PATH or a preset (default gemma3-270m)"
    )
    _add_prompt_arguments(gen, dataset=True)
    _add_generation_arguments(gen)
    gen.add_argument("--format", choices=("text", "json"), default="text")
    _add_placement_arguments(gen)
    gen.set_defaults(func=cmd_generate)

    exp = sub.add_parser("explain", help="sequence salience of a target over its prompt")
    exp.add_argument(
        "--model", default="gemma3-270m", metavar="SPEC", help="NAME:PATH or a preset (default gemma3-270m)"
    )
    _add_prompt_arguments(exp, dataset=False)
    tgt = exp.add_mutually_exclusive_group()
    tgt.add_argument("--target", help="the text to explain (default: generate it)")
    tgt.add_argument("--target-file", metavar="FILE", help="a UTF-8 file holding the target")
    span = exp.add_mutually_exclusive_group()
    span.add_argument("--target-span", metavar="START:END", help="explain only these chars of the target")
    span.add_argument("--select", metavar="TEXT", help="explain only the first occurrence of TEXT in the target")
    foil = exp.add_mutually_exclusive_group()
    foil.add_argument("--foil", metavar="TEXT", help="why the selection rather than TEXT (contrastive objective)")
    foil.add_argument("--foil-file", metavar="FILE", help="a UTF-8 file holding the foil")
    _add_method_arguments(exp)
    exp.add_argument(
        "--top", type=int, default=10, metavar="K", help="text format: list the top K segments (default 10)"
    )
    exp.add_argument("--format", choices=("text", "json", "html"), default="text")
    exp.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="text format colours")
    exp.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    _add_generation_arguments(exp)
    _add_placement_arguments(exp)
    exp.set_defaults(func=cmd_explain)

    again = sub.add_parser(
        "reselect",
        help="a new selection of a saved occlusion/ablation result, from its record (no model call)",
        description="Answer a new selection inside the same target from a result saved with --format json by "
        "occlusion, kernel_shap, lime or context_cite: the record keeps every variant's per-token "
        "log-probabilities, so no model is loaded.",
    )
    again.add_argument("result", metavar="RESULT.json", help="a result record (explain --format json)")
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--target-span", metavar="START:END", help="the new selection: chars of the target")
    which.add_argument("--select", metavar="TEXT", help="the new selection: the first occurrence of TEXT in the target")
    again.add_argument("--top", type=int, default=10, metavar="K", help="text format: list the top K segments")
    again.add_argument("--format", choices=("text", "json", "html"), default="text")
    again.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="text format colours")
    again.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    again.set_defaults(func=cmd_reselect)

    batch = sub.add_parser(
        "batch",
        help="explain every row of a dataset into a run folder (resumable; Parquet tables; local or Ray)",
    )
    batch.add_argument(
        "--model", default="gemma3-270m", metavar="SPEC", help="NAME:PATH or a preset (default gemma3-270m)"
    )
    batch.add_argument(
        "--dataset", required=True, metavar="SPEC", help="sample_prompts, a .jsonl/.csv/.txt file or a URL"
    )
    batch.add_argument("--source", help="only the row with this source")
    batch.add_argument(
        "--template",
        metavar="FILE",
        help="a prompt template with {field} placeholders filled from each row's columns "
        "(rows may instead carry a 'template' column); adds the 'fields' granularity",
    )
    batch.add_argument(
        "--target",
        default="dataset",
        metavar="RULE",
        help="what to explain: dataset (the row's target; generated when it has none; default), "
        "generate (always the model's own output) or regex:PATTERN (the first match in the target; "
        "its first group if it has one)",
    )
    batch.add_argument(
        "--chat",
        action="store_true",
        help="send plain-prompt rows as one user message through the model's chat template ('messages' rows always are)",
    )
    batch.add_argument(
        "--foil", metavar="TEXT", help="explain each target rather than TEXT (a row's own 'foil' column wins)"
    )
    _add_method_arguments(batch)
    batch.add_argument(
        "--methods", metavar="M1,M2", help="several methods, each row explained by each (instead of --method)"
    )
    batch.add_argument("--limit", type=int, metavar="N", help="only the first N rows (after --shard)")
    batch.add_argument("--shard", metavar="I/N", help="only shard I of N (rows I-1, I-1+N, ...), e.g. 1/4")
    batch.add_argument(
        "--out",
        metavar="DIR",
        help="write a run folder: results.parquet, segments.parquet, records.jsonl (a rerun skips rows already "
        "done); without it, JSON Lines on standard output",
    )
    batch.add_argument(
        "--overwrite", action="store_true", help="let --out replace the results of a different job in that folder"
    )
    batch.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local (default: this process) or ray (one model per Ray actor; pip install 'promptlight[ray]')",
    )
    batch.add_argument("--workers", type=int, default=1, metavar="N", help="--engine ray: N actors (default 1)")
    batch.add_argument(
        "--gpus-per-worker", type=float, default=0.0, metavar="G", help="--engine ray: GPUs per actor (default 0)"
    )
    batch.add_argument(
        "--ray-address", metavar="ADDR", help="--engine ray: join this Ray cluster (default: start a local one)"
    )
    _add_generation_arguments(batch)
    _add_placement_arguments(batch)
    batch.set_defaults(func=cmd_batch, prompt=None, prompt_file=None)

    models = sub.add_parser("models", help="list the model presets")
    models.set_defaults(func=cmd_models)
    datasets = sub.add_parser("datasets", help="list the built-in datasets")
    datasets.set_defaults(func=cmd_datasets)
    methods = sub.add_parser("methods", help="list the salience methods with sign, cost and reference")
    methods.add_argument("--format", choices=("text", "json"), default="text")
    methods.set_defaults(func=cmd_methods)
    return parser


def _version() -> str:
    from promptlight import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from promptlight.data import DatasetError
    from promptlight.models import ModelLoadError

    try:
        return args.func(args)
    except (UsageError, DatasetError, ModelLoadError, ValueError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"promptlight: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("promptlight: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
