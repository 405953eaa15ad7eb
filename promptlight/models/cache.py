"""The on-disk model cache: where converted models live, and how a folder is built safely.

A cached model is a standard Hugging Face folder (``config.json``, ``model.safetensors``,
``tokenizer.json``) plus ``promptlight-cache.json``, a manifest written *last* that lists
every file with its size. A folder without a manifest, or whose files do not match it, is
damaged and gets rebuilt. Folders are built in a temporary sibling and renamed into place,
so a second process never reads a half-written cache.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MANIFEST = "promptlight-cache.json"
CACHE_FORMAT = 1


def cache_root() -> Path:
    """``$PROMPTLIGHT_CACHE`` or the platform's user cache dir + ``/promptlight``."""
    env = os.environ.get("PROMPTLIGHT_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("promptlight", appauthor=False))


def model_cache_dir(name: str) -> Path:
    return cache_root() / "models" / name


def write_manifest(folder: Path, *, source: str) -> None:
    """Record every file's size; call after everything else in ``folder`` is written."""
    files = {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST}
    manifest = {"format": CACHE_FORMAT, "source": source, "created": time.time(), "files": files}
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2))
    os.replace(tmp, folder / MANIFEST)


def check_cache(folder: Path, *, required: tuple[str, ...]) -> str | None:
    """``None`` if ``folder`` is a complete cache, else a sentence saying what is wrong."""
    if not folder.is_dir():
        return "missing"
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        return f"no {MANIFEST} (an interrupted conversion?)"
    except (OSError, ValueError) as exc:
        return f"unreadable {MANIFEST}: {exc}"
    if manifest.get("format") != CACHE_FORMAT:
        return f"cache format {manifest.get('format')!r}, expected {CACHE_FORMAT}"
    files = manifest.get("files", {})
    for name in required:
        if name not in files:
            return f"manifest lists no {name}"
    for name, size in files.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if path.stat().st_size != size:
            return f"{name} has {path.stat().st_size} bytes, expected {size}"
    return None


def build_atomically(folder: Path, build: Callable[[Path], None], *, source: str) -> Path:
    """Run ``build(tmp)`` in a temporary sibling of ``folder``, then rename it into place.

    If another process finished first, its folder is kept and ours is discarded. A damaged
    ``folder`` is moved aside before the rename.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.building-", dir=folder.parent))
    try:
        build(tmp)
        write_manifest(tmp, source=source)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the cache is as readable as any user cache
        if folder.exists():
            if check_cache(folder, required=()) is None:
                return folder  # another process won the race; ours is discarded below
            discard_folder(folder)
        os.rename(tmp, folder)
        return folder
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def discard_folder(folder: Path) -> None:
    """Move ``folder`` aside and delete it (the rename makes the removal atomic for readers)."""
    aside = folder.with_name(f".{folder.name}.damaged-{os.getpid()}-{time.time_ns()}")
    try:
        os.rename(folder, aside)
    except FileNotFoundError:
        return
    shutil.rmtree(aside, ignore_errors=True)
