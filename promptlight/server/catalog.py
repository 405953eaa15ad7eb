"""Datasets and datapoints as the API shows them: read-only dataset rows plus the user's own.

Ids: ``NAME:INDEX`` for row ``INDEX`` of the loaded dataset ``NAME`` (read-only), and
``u:ID`` for a user datapoint in the store. Editing a dataset row creates a user
datapoint whose ``fields.duplicate_of`` is the row's id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promptlight.server.errors import ApiError
from promptlight.store import Datapoint as StoredDatapoint
from promptlight.store import Store

USER_PREFIX = "u"


def check_dataset_names(names: list[str]) -> None:
    for name in names:
        if not name or ":" in name or name == USER_PREFIX:
            raise ValueError(
                f"Invalid dataset name {name!r}: a name must be non-empty, contain no colon, and not be "
                f"{USER_PREFIX!r} (ids of user datapoints start with '{USER_PREFIX}:'). Rename it with NAME:PATH."
            )


class Catalog:
    """The loaded datasets (``name -> Dataset``) and the store, answering id and search queries."""

    def __init__(self, datasets: Mapping[str, Any], store: Store, *, specs: Mapping[str, str] | None = None) -> None:
        check_dataset_names(list(datasets))
        self.datasets = dict(datasets)
        self.specs = {name: (specs or {}).get(name) or getattr(ds, "spec", name) for name, ds in self.datasets.items()}
        self.store = store

    # --- ids --------------------------------------------------------------------------

    def get(self, datapoint_id: str) -> dict[str, Any]:
        """The datapoint with this id, as the API shows it; 404 naming the id otherwise."""
        kind, key = self._parse_id(datapoint_id)
        if kind == "user":
            stored = self.store.get_datapoint(key)
            if stored is None:
                raise self._not_found(datapoint_id)
            return user_datapoint(stored)
        name, index = kind, key
        return dataset_row(name, index, self.datasets[name].examples[index])

    def user_id(self, datapoint_id: str) -> int | None:
        """The store id for ``u:ID``, ``None`` for a dataset row; 404 for anything else."""
        kind, key = self._parse_id(datapoint_id)
        return key if kind == "user" else None

    def _parse_id(self, datapoint_id: str) -> tuple[str, int]:
        name, sep, rest = datapoint_id.partition(":")
        # ASCII digits only: str.isdigit() is also true for '²' or '٣', which int() refuses.
        if not sep or not (rest.isascii() and rest.isdigit()) or len(rest) > 18:
            raise self._not_found(datapoint_id)
        index = int(rest)
        if name == USER_PREFIX:
            return "user", index
        dataset = self.datasets.get(name)
        if dataset is None or index >= len(dataset.examples):
            raise self._not_found(datapoint_id)
        return name, index

    def _not_found(self, datapoint_id: str) -> ApiError:
        shown = datapoint_id if len(datapoint_id) <= 80 else datapoint_id[:77] + "..."
        names = ", ".join(self.datasets) or "none"
        return ApiError(
            404,
            "not_found",
            f"No datapoint {shown!r}. Ids are 'u:N' for your datapoints and 'DATASET:INDEX' for dataset rows "
            f"(datasets: {names}); /api/examples lists them.",
            field="id",
        )

    # --- listings ---------------------------------------------------------------------

    def dataset_list(self) -> list[dict[str, Any]]:
        user_counts = self.store.count_datapoints()
        out = []
        for name, ds in self.datasets.items():
            out.append(
                {
                    "name": name,
                    "spec": self.specs[name],
                    "description": getattr(ds, "description", "") or "",
                    "count": len(ds.examples),
                    "user_count": user_counts.get(name, 0),
                }
            )
        for name, n in user_counts.items():
            if name not in self.datasets:
                out.append({"name": name, "spec": None, "description": "Your datapoints", "count": 0, "user_count": n})
        return out

    def examples(
        self, *, dataset: str | None = None, q: str | None = None, limit: int | None = None, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """``(page, total)``: dataset rows, then user datapoints, optionally of one dataset and matching ``q``.

        The page is ``[offset, offset + limit)`` of that list; user datapoints are filtered and
        paged in SQL, so a small page of a large workspace reads only its own rows.
        """
        if dataset is not None and dataset not in self.datasets and dataset not in self.store.count_datapoints():
            known = [d["name"] for d in self.dataset_list()]
            raise ApiError(
                404,
                "not_found",
                f"Unknown dataset {dataset!r}. Available: {', '.join(known) or 'none'}.",
                field="dataset",
            )
        rows: list[dict[str, Any]] = []
        for name, ds in self.datasets.items():
            if dataset is None or name == dataset:
                rows.extend(dataset_row(name, i, ex) for i, ex in enumerate(ds.examples))
        if q:
            needle = q.casefold()
            rows = [r for r in rows if any(needle in r[k].casefold() for k in ("prompt", "target", "source"))]
        built_in = len(rows)
        end = None if limit is None else offset + limit
        page = rows[offset:end]
        want = None if end is None else max(0, end - max(offset, built_in))
        if want is None or want > 0:
            user_offset = max(0, offset - built_in)
            page.extend(
                user_datapoint(dp) for dp in self.store.list_datapoints(dataset, q=q, limit=want, offset=user_offset)
            )
        return page, built_in + self.store.count_matching(dataset, q=q)


def dataset_row(name: str, index: int, example: Any) -> dict[str, Any]:
    return {
        "id": f"{name}:{index}",
        "dataset": name,
        "prompt": example.prompt,
        "target": example.target,
        "source": example.source,
        "fields": dict(example.fields),
        "origin": "dataset",
        "created": None,
        "updated": None,
    }


def user_datapoint(dp: StoredDatapoint) -> dict[str, Any]:
    return {
        "id": f"{USER_PREFIX}:{dp.id}",
        "dataset": dp.dataset,
        "prompt": dp.prompt,
        "target": dp.target,
        "source": dp.source,
        "fields": dict(dp.fields),
        "origin": "user",
        "created": dp.created,
        "updated": dp.updated,
    }
