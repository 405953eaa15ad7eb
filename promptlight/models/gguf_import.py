"""Convert a ``.gguf`` file into a standard Hugging Face folder with float32 weights.

transformers de-quantizes GGUF tensors when it loads them (through the ``gguf`` package);
we then write the plain float32 ``model.safetensors``, ``config.json`` without the GGUF
quantization entry, and the fast tokenizer's ``tokenizer.json``. Later loads read that
folder, which is an order of magnitude faster than de-quantizing again.
"""

from __future__ import annotations

from pathlib import Path


def convert_gguf(gguf_path: Path, out_dir: Path) -> None:
    """Write the HF folder for ``gguf_path`` into ``out_dir`` (which exists and is empty)."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, filename = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=filename)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=filename, dtype=torch.float32)

    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.dtype = torch.float32
    config.save_pretrained(out_dir)
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.save_pretrained(out_dir)

    # Tied weights (lm_head = embed_tokens) are stored once, as transformers expects.
    state: dict[str, torch.Tensor] = {}
    seen: dict[int, str] = {}
    for name, tensor in model.state_dict().items():
        key = tensor.data_ptr()
        if key in seen and config.tie_word_embeddings:
            continue
        seen[key] = name
        state[name] = tensor.detach().to(torch.float32).contiguous()
    save_file(state, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    tokenizer.save_pretrained(out_dir)
    if not (out_dir / "tokenizer.json").is_file():
        raise RuntimeError(f"Converting {gguf_path} produced no tokenizer.json; the GGUF tokenizer is not supported.")
