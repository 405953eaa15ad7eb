"""KerasHub preset names (the ones LIT and the sequence-salience codelab use) -> Hugging Face ids.

    make_notebook_widget(["sample_prompts"], ["gemma2_2b_it:gemma2_instruct_2b_en"])

works as written wherever the Hugging Face model is in the local Hugging Face cache (or the
hub is reachable); otherwise the error names the Hugging Face id and how to pass a folder.
"""

from __future__ import annotations

KERAS_HUB_TO_HF: dict[str, str] = {
    # Gemma
    "gemma_2b_en": "google/gemma-2b",
    "gemma_instruct_2b_en": "google/gemma-2b-it",
    "gemma_7b_en": "google/gemma-7b",
    "gemma_instruct_7b_en": "google/gemma-7b-it",
    "gemma_1.1_instruct_2b_en": "google/gemma-1.1-2b-it",
    "gemma_1.1_instruct_7b_en": "google/gemma-1.1-7b-it",
    # Gemma 2
    "gemma2_2b_en": "google/gemma-2-2b",
    "gemma2_instruct_2b_en": "google/gemma-2-2b-it",
    "gemma2_9b_en": "google/gemma-2-9b",
    "gemma2_instruct_9b_en": "google/gemma-2-9b-it",
    "gemma2_27b_en": "google/gemma-2-27b",
    "gemma2_instruct_27b_en": "google/gemma-2-27b-it",
    # Gemma 3 (text)
    "gemma3_270m": "google/gemma-3-270m",
    "gemma3_instruct_270m": "google/gemma-3-270m-it",
    "gemma3_1b": "google/gemma-3-1b-pt",
    "gemma3_instruct_1b": "google/gemma-3-1b-it",
    # Llama 3
    "llama3_8b_en": "meta-llama/Meta-Llama-3-8B",
    "llama3_instruct_8b_en": "meta-llama/Meta-Llama-3-8B-Instruct",
    "llama3.1_8b": "meta-llama/Llama-3.1-8B",
    "llama3.1_instruct_8b": "meta-llama/Llama-3.1-8B-Instruct",
    "llama3.2_1b": "meta-llama/Llama-3.2-1B",
    "llama3.2_instruct_1b": "meta-llama/Llama-3.2-1B-Instruct",
    "llama3.2_3b": "meta-llama/Llama-3.2-3B",
    "llama3.2_instruct_3b": "meta-llama/Llama-3.2-3B-Instruct",
    # Mistral
    "mistral_7b_en": "mistralai/Mistral-7B-v0.1",
    "mistral_instruct_7b_en": "mistralai/Mistral-7B-Instruct-v0.1",
    "mistral_0.2_instruct_7b_en": "mistralai/Mistral-7B-Instruct-v0.2",
    "mistral_0.3_instruct_7b_en": "mistralai/Mistral-7B-Instruct-v0.3",
}
