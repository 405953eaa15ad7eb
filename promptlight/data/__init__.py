"""Datasets: the prompts promptlight runs on.

    from promptlight.data import load_dataset, list_datasets
    ds = load_dataset("sample_prompts")              # built in
    ds = load_dataset("mine:prompts.jsonl")          # NAME:PATH; also .csv, .txt, http(s) URLs
    ds.by_source("fewshot-mistake").prompt
    list_datasets()                                  # {"sample_prompts": "Built-in demo prompts: ..."}

File formats are described in ``promptlight/data/loaders.py``; ``NAME:PATH`` parsing in
``spec.py``; the built-in prompts in ``sample_prompts.py``. Add your own named dataset with
``register_dataset(name, factory)``. Every user mistake raises :class:`DatasetError`
(a ``ValueError``) whose message says what is wrong and what would be valid.
"""

from __future__ import annotations

from promptlight.data.dataset import Dataset, DatasetError
from promptlight.data.registry import list_datasets, load_dataset, register_dataset
from promptlight.data.spec import parse_spec

__all__ = ["Dataset", "DatasetError", "list_datasets", "load_dataset", "parse_spec", "register_dataset"]
