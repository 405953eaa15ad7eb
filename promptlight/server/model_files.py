"""The models a server may load on request: folders and ``.gguf`` files under ``--model-dirs``.

A client never names a path. It picks an ``id`` from :func:`find_model_files` (the folder's
name, then the path inside it: ``models/gemma-2b``, ``models/q/tiny.gguf``), and the server
looks that id up in a fresh scan; anything else is unknown. A symlink that leads outside its
folder is not listed, so an id always resolves inside a folder the server was started with.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

#: How deep below a model folder to look (``DIR/a/b/model`` is depth 3).
MAX_DEPTH = 3
#: At most this many entries are listed (a huge tree is cut, not walked for minutes).
MAX_FILES = 500


@dataclasses.dataclass(frozen=True)
class ModelFile:
    """One loadable model: ``kind`` is ``"folder"`` (a Hugging Face folder, it has ``config.json``) or ``"gguf"``."""

    id: str
    kind: str
    path: Path

    @property
    def name(self) -> str:
        """A model name for it: the folder's or file's name without ``.gguf``."""
        return self.path.stem if self.kind == "gguf" else self.path.name


def check_model_dirs(dirs: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The folders, resolved; ``ValueError`` naming one that is not a readable folder."""
    checked = []
    for d in dirs:
        path = Path(d).expanduser()
        if not path.is_dir():
            raise ValueError(
                f"--model-dirs {str(d)!r} is not a folder; give folders holding model folders or .gguf files."
            )
        checked.append(path.resolve())
    names = [p.name for p in checked]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"--model-dirs has two folders named {twice[0]!r}; their models' ids would clash.")
    return checked


def find_model_files(dirs: Sequence[Path]) -> list[ModelFile]:
    """Every model folder and ``.gguf`` file under ``dirs`` (resolved folders), sorted by id."""
    found: list[ModelFile] = []
    for root in dirs:
        for kind, path in _walk(root, root, 0):
            found.append(ModelFile(f"{root.name}/{path.relative_to(root).as_posix()}", kind, path))
            if len(found) >= MAX_FILES:
                return sorted(found, key=lambda m: m.id)
    return sorted(found, key=lambda m: m.id)


def model_file(dirs: Sequence[Path], file_id: str) -> ModelFile | None:
    """The listed model with this id, or ``None``: ids are looked up, never turned into paths."""
    return next((m for m in find_model_files(dirs) if m.id == file_id), None)


def _walk(root: Path, folder: Path, depth: int) -> Iterator[tuple[str, Path]]:
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            real = entry.resolve()
            if not real.is_relative_to(root):
                continue  # a link out of the folder: not offered
            if entry.is_file() and entry.suffix.lower() == ".gguf":
                yield "gguf", entry
            elif entry.is_dir():
                if (entry / "config.json").is_file():
                    yield "folder", entry  # a model folder: its subfolders are its own business
                elif depth + 1 < MAX_DEPTH:
                    yield from _walk(root, entry, depth + 1)
        except OSError:
            continue
