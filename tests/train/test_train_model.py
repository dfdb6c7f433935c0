"""The model: image features land in the slots, causality, xPos is relative and decays, Sub-LN init, overfitting."""

from __future__ import annotations

import math

import pytest
import torch

from mmcorpus.train.model import CONFIGS, KosmosLM, ModelConfig, XPos
from mmcorpus.train.tokenizer import Tokenizer

TOK = Tokenizer()


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread: on a busy 2-core machine two OpenMP threads spin and run far slower."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def tiny(**kw) -> KosmosLM:
    torch.manual_seed(0)
    return KosmosLM(ModelConfig(**dict(CONFIGS["tiny"], vocab_size=320, slot_id=TOK.slot, seq_len=32, **kw)))


def row_with_image(k: int, t: int = 32) -> torch.Tensor:
    row = [TOK.bos] + list(b"look ") + [TOK.boi] + [TOK.slot] * k + [TOK.eoi] + list(b"a cat")
    row += [TOK.pad] * (t - len(row))
    return torch.tensor([row])


def test_image_features_fill_the_slots_and_only_them():
    model = tiny().eval()
    k = model.cfg.n_latents
    tokens = row_with_image(k)
    a, b = torch.zeros(1, 3, 224, 224, dtype=torch.uint8), torch.full((1, 3, 224, 224), 255, dtype=torch.uint8)
    ea, eb = model.embed(tokens, a), model.embed(tokens, b)
    slots = (tokens == TOK.slot)[0]
    assert not torch.allclose(ea[0, slots], eb[0, slots])
    assert torch.equal(ea[0, ~slots], eb[0, ~slots])
    with pytest.raises(ValueError, match="slot positions"):
        model.embed(tokens, torch.cat([a, b]))
    with pytest.raises(ValueError, match="no images"):
        model.embed(tokens, a[:0])


@pytest.mark.parametrize("xpos,subln", [(True, True), (False, False)])
def test_decoder_is_causal(xpos, subln):
    model = tiny(xpos=xpos, subln=subln).eval()
    tokens = torch.randint(0, 256, (1, 32))
    changed = tokens.clone()
    changed[0, 20:] = (changed[0, 20:] + 1) % 256
    img = torch.zeros(0, 3, 224, 224, dtype=torch.uint8)
    la, lb = model(tokens, img)[0], model(changed, img)[0]
    assert torch.allclose(la[0, :20], lb[0, :20], atol=1e-5) and not torch.allclose(la[0, 20:], lb[0, 20:])


def test_xpos_scores_depend_on_distance_only_and_decay():
    xpos = XPos(16, scale_base=8)
    q, k = torch.randn(1, 1, 1, 16).expand(1, 1, 12, 16), torch.randn(1, 1, 1, 16).expand(1, 1, 12, 16)
    qr, kr = xpos(q, k)
    s = (qr @ kr.transpose(-1, -2))[0, 0]  # same vectors at every position: scores are a function of m - n
    for d in range(4):
        diag = torch.diagonal(s, -d)
        assert torch.allclose(diag, diag[0].expand_as(diag), atol=1e-4)
    # the scale part alone (no rotation) shrinks with distance: zeta < 1
    assert (xpos.zeta < 1).all() and (xpos.zeta ** (1 / 8) > xpos.zeta).all()
    ones = torch.ones(1, 1, 12, 16)
    xpos.inv_freq.zero_()  # no rotation left: q_m . k_n = sum_i zeta_i^((m - n)/scale_base)
    s = (lambda a, b: a @ b.transpose(-1, -2))(*xpos(ones, ones))[0, 0]
    assert s[11, 0] < s[6, 0] < s[1, 0] < s[0, 0]


def test_subln_adds_inner_norms_and_scales_init():
    plain, magneto = tiny(subln=False), tiny(subln=True)
    assert isinstance(magneto.blocks[0].attn.inner_ln, torch.nn.LayerNorm)
    assert isinstance(plain.blocks[0].attn.inner_ln, torch.nn.Identity)
    gamma = math.sqrt(math.log(2 * magneto.cfg.n_layer))
    ratio = (magneto.blocks[0].mlp.fc2.weight.std() / plain.blocks[0].mlp.fc2.weight.std()).item()
    assert ratio == pytest.approx(gamma, rel=0.1)
    q_std = magneto.blocks[0].attn.q_proj.weight.std().item()
    assert q_std == pytest.approx(plain.blocks[0].attn.q_proj.weight.std().item(), rel=0.1)  # q is not scaled


def test_base_config_is_about_100m_parameters():
    with torch.device("meta"):
        model = KosmosLM(ModelConfig(**dict(CONFIGS["base"], vocab_size=320)))
    assert 90e6 < model.n_params() < 115e6


def test_one_batch_overfits():
    model = tiny(image_size=64)
    k = model.cfg.n_latents
    tokens = row_with_image(k, t=33).repeat(2, 1)
    tokens[1, 1:6] = torch.tensor(list(b"see! "))
    inputs, targets = tokens[:, :-1], tokens[:, 1:].clone()
    targets[(targets >= TOK.n_text) & (targets != TOK.eos)] = -1
    images = torch.randint(0, 256, (2, 3, 64, 64), dtype=torch.uint8)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, betas=(0.9, 0.98))
    losses = []
    for _ in range(60):
        _, tl = model(inputs, images, targets)
        loss = tl.sum() / (targets >= 0).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0], losses[::10]
