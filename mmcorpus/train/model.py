"""A small KOSMOS-style multimodal language model, all of it in this single file.

Read bottom-up, as nanoGPT's model.py (karpathy/nanoGPT): positions (xPos), attention, MLP, block,
the vision encoder, the resampler, the config, then the model.

* KOSMOS-1 (Huang et al., 2023, "Language Is Not All You Need", section 2): a causal Transformer
  decoder over text tokens in which each image's embedding fills the positions between
  ``<image>`` and ``</image>``; the image side is a vision encoder followed by a perceiver
  resampler to K latents (K = 64 there). Here the ViT is trained from scratch (KOSMOS starts from
  CLIP ViT-L/14, which cannot be downloaded here).
* ViT: Dosovitskiy et al., 2021 (patch embedding, learned positions, pre-LN blocks).
* Perceiver resampler: Alayrac et al., 2022 ("Flamingo", section 2.1 and appendix A.1.1): learned
  latents cross-attend to the concatenation of image features and latents.
* MAGNETO Sub-LN (Wang et al., 2022, "Foundation Transformers", section 2): an extra LayerNorm
  inside each sub-layer, before the attention output projection and before the second FFN layer,
  and the weights of ``v_proj``, ``out_proj``, ``fc1``, ``fc2`` scaled by ``sqrt(log(2N))`` at
  initialisation (N decoder layers; the decoder-only rule of torchscale's ``subln``).
* xPos (Sun et al., 2022, "A Length-Extrapolatable Transformer", section 3.2): rotary positions
  whose query/key are also scaled by ``zeta^(±n/scale_base)`` with ``zeta_i = (2i/d + 0.4) / 1.4``,
  so attention decays with distance. Both are written here; no torchscale dependency.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)  # image normalisation of CLIP (Radford et al., 2021)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


class XPos(nn.Module):
    """Rotary embedding with xPos decay, applied to queries and keys of shape [B, H, T, head_dim]."""

    def __init__(self, head_dim: int, scale_base: int = 512, theta: float = 10000.0) -> None:
        super().__init__()
        half = head_dim // 2
        i = torch.arange(half, dtype=torch.float32)
        self.register_buffer("inv_freq", theta ** (-i / half), persistent=False)
        self.register_buffer("zeta", (i / half + 0.4) / 1.4, persistent=False)
        self.scale_base = scale_base

    @staticmethod
    def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        x1, x2 = x.float().chunk(2, dim=-1)
        return torch.cat((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).to(x.dtype)

    def forward(self, q: torch.Tensor, k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        t = q.shape[-2]
        pos = torch.arange(t, device=q.device, dtype=torch.float32) - t // 2  # centred: scale stays near 1
        angle = pos[:, None] * self.inv_freq[None, :]
        scale = self.zeta[None, :] ** (pos[:, None] / self.scale_base)
        cos, sin = angle.cos(), angle.sin()
        # q_m . k_n picks up zeta^((m - n) / scale_base): decay with distance, relative by construction.
        return self._rotate(q, cos * scale, sin * scale), self._rotate(k, cos / scale, sin / scale)


class Attention(nn.Module):
    """Multi-head attention: self-attention (causal or not) or cross-attention when ``kv`` is given."""

    def __init__(self, dim: int, n_head: int, causal: bool, subln: bool = False, xpos: XPos | None = None,
                 dropout: float = 0.0) -> None:
        super().__init__()
        assert dim % n_head == 0
        self.n_head, self.causal, self.xpos, self.dropout = n_head, causal, xpos, dropout
        self.q_proj, self.k_proj, self.v_proj = (nn.Linear(dim, dim, bias=False) for _ in range(3))
        self.inner_ln = nn.LayerNorm(dim) if subln else nn.Identity()  # MAGNETO Sub-LN
        self.out_proj = nn.Linear(dim, dim, bias=False)

    def forward(self, x: torch.Tensor, kv: torch.Tensor | None = None) -> torch.Tensor:
        b, t, c = x.shape
        kv = x if kv is None else kv

        def heads(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, y.shape[1], self.n_head, c // self.n_head).transpose(1, 2)

        q, k, v = heads(self.q_proj(x)), heads(self.k_proj(kv)), heads(self.v_proj(kv))
        if self.xpos is not None:
            q, k = self.xpos(q, k)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.out_proj(self.inner_ln(y.transpose(1, 2).reshape(b, t, c)))


class MLP(nn.Module):
    def __init__(self, dim: int, hidden: int, subln: bool = False, dropout: float = 0.0) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, hidden, bias=False), nn.Linear(hidden, dim, bias=False)
        self.inner_ln = nn.LayerNorm(hidden) if subln else nn.Identity()  # MAGNETO Sub-LN
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.fc2(self.inner_ln(F.gelu(self.fc1(x)))))


class Block(nn.Module):
    """Pre-LN Transformer block: x + attn(LN(x)), then x + mlp(LN(x))."""

    def __init__(self, dim: int, n_head: int, causal: bool, subln: bool = False, xpos: XPos | None = None,
                 mlp_ratio: int = 4, dropout: float = 0.0) -> None:
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, n_head, causal, subln, xpos, dropout)
        self.mlp = MLP(dim, mlp_ratio * dim, subln, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class VisionEncoder(nn.Module):
    """ViT from scratch: uint8 images [N, 3, S, S] -> patch features [N, (S/p)^2, vit_dim]."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        n_patches = (cfg.image_size // cfg.patch_size) ** 2
        self.patch = nn.Conv2d(3, cfg.vit_dim, cfg.patch_size, stride=cfg.patch_size, bias=False)
        self.pos = nn.Parameter(torch.zeros(1, n_patches, cfg.vit_dim))
        self.blocks = nn.ModuleList(Block(cfg.vit_dim, cfg.vit_heads, causal=False) for _ in range(cfg.vit_layers))
        self.ln = nn.LayerNorm(cfg.vit_dim)
        self.register_buffer("mean", torch.tensor(CLIP_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(CLIP_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = (images.float() / 255.0 - self.mean) / self.std
        x = self.patch(x.to(self.patch.weight.dtype)).flatten(2).transpose(1, 2) + self.pos
        for block in self.blocks:
            x = block(x)
        return self.ln(x)


class Resampler(nn.Module):
    """Perceiver resampler: K learned latents read the image features; output [N, K, d_model]."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        d = cfg.vit_dim
        self.latents = nn.Parameter(torch.randn(1, cfg.n_latents, d) * 0.02)
        self.layers = nn.ModuleList(
            nn.ModuleDict(dict(ln_q=nn.LayerNorm(d), ln_kv=nn.LayerNorm(d), attn=Attention(d, cfg.vit_heads, False),
                               ln_mlp=nn.LayerNorm(d), mlp=MLP(d, 4 * d)))
            for _ in range(cfg.resampler_layers))
        self.ln = nn.LayerNorm(d)
        self.proj = nn.Linear(d, cfg.d_model, bias=False)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        x = self.latents.expand(feats.shape[0], -1, -1)
        for layer in self.layers:
            q = layer["ln_q"](x)
            x = x + layer["attn"](q, torch.cat((layer["ln_kv"](feats), q), dim=1))  # Flamingo: kv = [X_f; X]
            x = x + layer["mlp"](layer["ln_mlp"](x))
        return self.proj(self.ln(x))


@dataclass
class ModelConfig:
    vocab_size: int = 320  # tokenizer vocabulary, rounded up to a multiple of 64 (set by the trainer)
    slot_id: int = 261  # id of <slot>, the image-feature positions (set by the trainer from the tokenizer)
    seq_len: int = 256  # tokens per row, the context length
    n_layer: int = 4  # decoder layers
    n_head: int = 4  # decoder attention heads
    d_model: int = 256  # decoder width
    mlp_ratio: int = 4  # FFN hidden size = mlp_ratio * d_model
    dropout: float = 0.0  # decoder dropout (0 keeps CPU runs deterministic and is KOSMOS-1's choice at scale)
    subln: bool = True  # MAGNETO Sub-LN and its initialisation in the decoder
    xpos: bool = True  # xPos positions in the decoder; False: learned absolute positions (GPT-2)
    xpos_scale_base: int = 512  # xPos decay length (torchscale's default)
    image_size: int = 224  # input images are image_size x image_size
    patch_size: int = 16  # ViT patch size
    vit_layers: int = 4  # ViT blocks
    vit_heads: int = 4  # ViT (and resampler) heads
    vit_dim: int = 256  # ViT (and resampler) width
    n_latents: int = 64  # K: resampled image embeddings per image, the <slot> positions (64 in KOSMOS-1)
    resampler_layers: int = 2  # perceiver resampler layers


# Presets: "tiny" for tests and laptops; "base" is ~100M parameters (decoder GPT-2 small shape).
CONFIGS: dict[str, dict] = {
    "tiny": dict(seq_len=128, n_layer=2, n_head=2, d_model=64, patch_size=32, vit_layers=1, vit_heads=2,
                 vit_dim=64, n_latents=8, resampler_layers=1),
    "small": dict(seq_len=512, n_layer=6, n_head=6, d_model=384, patch_size=16, vit_layers=4, vit_heads=4,
                  vit_dim=256, n_latents=32, resampler_layers=1),
    "base": dict(seq_len=2048, n_layer=12, n_head=12, d_model=768, patch_size=16, vit_layers=6, vit_heads=6,
                 vit_dim=384, n_latents=64, resampler_layers=2),
}


class KosmosLM(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        xpos = XPos(cfg.d_model // cfg.n_head, cfg.xpos_scale_base) if cfg.xpos else None
        self.wte = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.wpe = None if cfg.xpos else nn.Embedding(cfg.seq_len, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg.d_model, cfg.n_head, True, cfg.subln, xpos, cfg.mlp_ratio, cfg.dropout)
                                    for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.lm_head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # weight tying (Press & Wolf, 2017), as GPT-2
        self.vision = VisionEncoder(cfg)
        self.resampler = Resampler(cfg)
        self.apply(self._init)
        if cfg.subln:  # MAGNETO initialisation: gamma = sqrt(log(2N)) on the decoder's v, out, fc1, fc2
            gamma = math.sqrt(math.log(2 * cfg.n_layer))
            for name, p in self.blocks.named_parameters():
                if name.split(".")[-2] in ("v_proj", "out_proj", "fc1", "fc2"):
                    p.data.mul_(gamma)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Embedding, nn.Conv2d)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)

    def n_params(self, part: str = "all") -> int:
        mods = {"all": [self], "decoder": [self.wte, self.blocks, self.ln_f] + ([self.wpe] if self.wpe else []),
                "vision": [self.vision], "resampler": [self.resampler]}[part]
        return sum(p.numel() for m in mods for p in m.parameters())

    def embed(self, tokens: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        """Token embeddings with each image's K resampled features scattered into its <slot> positions."""
        x = self.wte(tokens)
        slots = tokens == self.cfg.slot_id
        if images.shape[0]:
            feats = self.resampler(self.vision(images))  # [N, K, d_model], in the order images appear
            if feats.shape[0] * feats.shape[1] != int(slots.sum()):
                raise ValueError(f"{int(slots.sum())} slot positions for {feats.shape[0]} images x "
                                 f"{feats.shape[1]} latents")
            x = x.masked_scatter(slots.unsqueeze(-1), feats.to(x.dtype))
        elif slots.any():
            raise ValueError("slot positions but no images")
        if self.wpe is not None:
            x = x + self.wpe(torch.arange(tokens.shape[1], device=tokens.device))
        return x

    def forward(self, tokens: torch.Tensor, images: torch.Tensor,
                targets: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits [B, T, V] and, with targets (-1 = no loss), the per-token loss [B, T] (0 where masked)."""
        x = self.embed(tokens, images)
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1,
                               reduction="none")
        return logits, loss.view(targets.shape)

    def flops_per_step(self, n_tokens: int, n_images: int) -> float:
        """Training FLOPs (forward + backward ~ 3x forward): 6 x params x tokens plus attention
        (PaLM, Chowdhery et al., 2022, appendix B; nanoGPT's estimate_mfu), for decoder and images."""
        c = self.cfg
        n_patches = (c.image_size // c.patch_size) ** 2
        dec = 6 * self.n_params("decoder") * n_tokens + 12 * c.n_layer * c.d_model * c.seq_len * n_tokens
        vis = 6 * self.n_params("vision") * n_patches * n_images + 12 * c.vit_layers * c.vit_dim * n_patches \
            * n_patches * n_images
        res = 6 * self.n_params("resampler") * c.n_latents * n_images
        return float(dec + vis + res)

    def config_dict(self) -> dict:
        return asdict(self.cfg)
