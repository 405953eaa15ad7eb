"""A toy causal LM with a planted dependency, whose correct attribution is known by construction.

``PlantedCopyModel``: every position's hidden state is a causal sum of the embeddings seen
so far, each gated by how strongly it points along a planted direction ``u``:

    h_j = sum_{i <= j} sigmoid(beta * (e_i . u - tau)) * e_i          logits_j = h_j E^T

Only the planted token's embedding points along ``u`` (its gate is ~1, every other gate
~0), so the model predicts the planted token wherever it has been seen: its output
copies that earlier token. Removing or zeroing the planted token destroys the prediction;
every other token barely matters. Every salience method must rank it first.

The module exposes the small part of the Hugging Face interface ``LanguageModel`` uses.
"""

from __future__ import annotations

import types

import torch
from torch import nn


class _Decoder(nn.Module):
    def __init__(self, owner: PlantedCopyModel) -> None:
        super().__init__()
        self._owner = [owner]  # a list, so the parent is not registered as a submodule

    def forward(self, input_ids=None, inputs_embeds=None, past_key_values=None, use_cache=False, **_):
        owner = self._owner[0]
        embeds = owner.embed(input_ids) if inputs_embeds is None else inputs_embeds  # [b, s, d]
        gate = torch.sigmoid(owner.beta * (embeds @ owner.u - owner.tau))  # [b, s]
        hidden = torch.cumsum(gate[..., None] * embeds, dim=1)  # [b, s, d]
        return types.SimpleNamespace(last_hidden_state=hidden, past_key_values=None)


class PlantedCopyModel(nn.Module):
    """Copies ``planted_id`` forward; see the module docstring."""

    def __init__(self, *, vocab_size: int, planted_id: int, dim: int = 32, seed: int = 0) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        weight = torch.randn(vocab_size, dim, generator=g) / dim**0.5  # [vocab, d]
        u = torch.zeros(dim)
        u[0] = 1.0
        weight[:, 0] = 0.0  # no token points along u ...
        weight[planted_id] = weight[planted_id] * 0.3
        weight[planted_id, 0] = 4.0  # ... except the planted one, strongly
        self.embed = nn.Embedding(vocab_size, dim)
        self.embed.weight.data.copy_(weight)
        self.register_buffer("u", u)
        self.beta, self.tau = 8.0, 1.0
        self.decoder = _Decoder(self)
        self.config = types.SimpleNamespace(final_logit_softcapping=None)
        self.planted_id = planted_id

    def get_input_embeddings(self):
        return self.embed

    def get_output_embeddings(self):
        return lambda hidden: hidden @ self.embed.weight.T  # [..., vocab]

    def get_decoder(self):
        return self.decoder

    def forward(self, input_ids=None, inputs_embeds=None, logits_to_keep=0, use_cache=False, **_):
        hidden = self.decoder(input_ids=input_ids, inputs_embeds=inputs_embeds).last_hidden_state  # [b, s, d]
        if isinstance(logits_to_keep, torch.Tensor):
            hidden = hidden[:, logits_to_keep]
        elif logits_to_keep:
            hidden = hidden[:, -logits_to_keep:]
        return types.SimpleNamespace(logits=self.get_output_embeddings()(hidden), past_key_values=None)
