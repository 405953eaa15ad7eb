"""The codelab's KerasHub model names resolve to their Hugging Face ids: offline and absent,
one clear error naming the id; present in the local Hugging Face cache, the line of the
codelab works as written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from promptlight.models import ModelLoadError, load_model
from promptlight.models.keras_names import KERAS_HUB_TO_HF

pytestmark = pytest.mark.integration


def test_an_absent_keras_name_names_the_hugging_face_id_and_the_way_out(monkeypatch):
    import promptlight.models.loading as loading

    monkeypatch.setattr(loading, "_hub_reachable", lambda timeout=3.0: False)
    with pytest.raises(ModelLoadError) as info:
        load_model("gemma2_2b_it:gemma2_instruct_2b_en", reuse=False)
    message = str(info.value)
    assert "'google/gemma-2-2b-it'" in message and "KerasHub preset 'gemma2_instruct_2b_en'" in message
    assert "pass its local folder" in message


def test_the_codelab_line_loads_a_model_from_the_local_hugging_face_cache(tiny, tmp_path):
    hub_id = KERAS_HUB_TO_HF["gemma2_instruct_2b_en"]
    repo = tmp_path / "hub" / ("models--" + hub_id.replace("/", "--"))
    snapshot = repo / "snapshots" / "0123456789abcdef0123456789abcdef01234567"
    shutil.copytree(tiny.path, snapshot)  # the tiny model stands in for the real weights
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(snapshot.name)
    code = (
        "from promptlight.notebook import make_notebook_widget\n"
        "w = make_notebook_widget(['sample_prompts'], ['gemma2_2b_it:gemma2_instruct_2b_en'])\n"
        "lm = w.models['gemma2_2b_it']\n"
        "print(lm.name, lm.path, lm.describe()['architecture'])\n"
        "w.stop()\n"
    )
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    name, path, arch = proc.stdout.split()[-3:]
    assert name == "gemma2_2b_it" and path == str(snapshot) and arch == "Gemma3ForCausalLM"
