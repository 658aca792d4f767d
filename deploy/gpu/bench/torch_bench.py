"""PyTorch eager side of Umbra's GPU comparison: the same two networks, the same weights, the same shapes.

Reads a model folder in Umbra's layout (what `umbra-worker init-model` writes: text_encoder/ and prior/, each a
config.json and a safetensors file) into plain PyTorch modules whose parameter names are the checkpoint keys, and

  bench   times the ECLIPSE prior and the CLIP text tower per batch, in float16 and float32, each call ending with
          the result copied to the host as float32 (as the Java side does), and prints one line per case:
          RESULT impl=torch network=prior dtype=float16 batch=256 ms=... ms_median=... prompts_per_s=...
  parity  runs `embed`'s inputs (input_ids.npy, attention_mask.npy from an `embed --out` folder, and the noise file
          given to it) through the same networks in float32 and prints the largest differences from that folder's
          text_embeds, last_hidden_state and image_embeds, and the smallest cosine of the image embeddings
  noise   writes a float32 [N, E] standard-normal .npy file for `embed --noise`

The math is ECLIPSE-SPEC sections 4 and 5: pre-LN blocks, attention through
torch.nn.functional.scaled_dot_product_attention (PyTorch >= 2.0; op by op before), the causal mask of CLIP as an
additive float mask, the prior's padding-and-causal mask as additive -10000, exact GELU (quick_gelu for configs
that say so). No transformers or diffusers needed; numpy and torch only.

Usage:
  python3 torch_bench.py bench  --model DIR [--device cuda] [--dtypes float16,float32] [--parts prior,text]
                                [--prior-batches 1,8,64,256,1024] [--text-batches 1,64,256] [--iters N]
  python3 torch_bench.py parity --model DIR --embed EMBED_OUT_DIR --noise NOISE.npy [--device cuda] [--compare DIR]
  python3 torch_bench.py noise  --rows N --dim E --out FILE.npy [--seed S]
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

BOS, EOS, CONTEXT = 49406, 49407, 77


# --- checkpoints ----------------------------------------------------------------------------------------------------

def read_safetensors(path):
    """{name: numpy array} of a .safetensors file, memory-mapped; BF16 widened to float32."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    start = 8 + n
    types = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "I64": np.int64, "I32": np.int32}
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        dtype = types[t["dtype"]]
        count = (b - a) // np.dtype(dtype).itemsize
        arr = np.memmap(path, dtype=dtype, mode="r", offset=start + a, shape=(count,)).reshape(t["shape"])
        if t["dtype"] == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        out[name] = arr
    return out


def read_checkpoint(folder, base):
    """A single file or a sharded set (base.index.json), as the Java loader accepts."""
    index = os.path.join(folder, base + ".index.json")
    if os.path.isfile(index):
        tensors = {}
        for shard in sorted(set(json.load(open(index))["weight_map"].values())):
            tensors.update(read_safetensors(os.path.join(folder, shard)))
        return tensors
    return read_safetensors(os.path.join(folder, base))


def load(module, folder, base, device, dtype, ignorable=("text_model.embeddings.position_ids",)):
    state = {k: torch.from_numpy(np.array(v)) for k, v in read_checkpoint(folder, base).items()
             if k not in ignorable}
    missing, unexpected = module.load_state_dict(state, strict=False)
    if missing or unexpected:
        sys.exit(f"{folder}: checkpoint does not match the module: missing {missing[:3]}, unexpected {unexpected[:3]}")
    return module.to(device=device, dtype=dtype).eval()


# --- the CLIP text tower (transformers' CLIPTextModelWithProjection, names kept) -------------------------------------

def attention(q, k, v, mask):
    """[B,H,T,d] each; mask additive, broadcastable to [B,H,T,T]."""
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + mask
    return torch.softmax(scores, -1) @ v


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


class CLIPAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = (p(x).view(b, t, self.heads, d // self.heads).transpose(1, 2)
                   for p in (self.q_proj, self.k_proj, self.v_proj))
        return self.out_proj(attention(q, k, v, mask).transpose(1, 2).reshape(b, t, d))


class CLIPMLP(nn.Module):
    def __init__(self, d, inner, act):
        super().__init__()
        self.fc1, self.fc2, self.act = nn.Linear(d, inner), nn.Linear(inner, d), act

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class CLIPEncoderLayer(nn.Module):
    def __init__(self, d, heads, inner, act, eps):
        super().__init__()
        self.self_attn = CLIPAttention(d, heads)
        self.layer_norm1 = nn.LayerNorm(d, eps=eps)
        self.mlp = CLIPMLP(d, inner, act)
        self.layer_norm2 = nn.LayerNorm(d, eps=eps)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class CLIPEncoder(nn.Module):
    def __init__(self, c, act):
        super().__init__()
        self.layers = nn.ModuleList(CLIPEncoderLayer(c["hidden_size"], c["num_attention_heads"],
                                                     c["intermediate_size"], act, c.get("layer_norm_eps", 1e-5))
                                    for _ in range(c["num_hidden_layers"]))


class CLIPTextEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.token_embedding = nn.Embedding(c.get("vocab_size", 49408), c["hidden_size"])
        self.position_embedding = nn.Embedding(c.get("max_position_embeddings", CONTEXT), c["hidden_size"])


class CLIPTextTransformer(nn.Module):
    def __init__(self, c, act):
        super().__init__()
        self.embeddings = CLIPTextEmbeddings(c)
        self.encoder = CLIPEncoder(c, act)
        self.final_layer_norm = nn.LayerNorm(c["hidden_size"], eps=c.get("layer_norm_eps", 1e-5))


class CLIPTextModelWithProjection(nn.Module):
    def __init__(self, c):
        super().__init__()
        act = quick_gelu if c.get("hidden_act", "quick_gelu") == "quick_gelu" else F.gelu
        self.text_model = CLIPTextTransformer(c, act)
        self.text_projection = nn.Linear(c["hidden_size"], c.get("projection_dim", 512), bias=False)
        self.eos = c.get("eos_token_id", EOS)

    def forward(self, ids):
        """ids [B,T] -> (text_embeds [B,P], last_hidden_state [B,T,H])."""
        t = ids.shape[1]
        e = self.text_model.embeddings
        x = e.token_embedding(ids) + e.position_embedding.weight[:t]
        mask = torch.full((t, t), float("-inf"), dtype=x.dtype, device=x.device).triu(1)
        for layer in self.text_model.encoder.layers:
            x = layer(x, mask)
        hidden = self.text_model.final_layer_norm(x)
        pooled_at = ids.argmax(-1) if self.eos == 2 else (ids == self.eos).int().argmax(-1)
        pooled = hidden[torch.arange(ids.shape[0], device=ids.device), pooled_at]
        return self.text_projection(pooled), hidden


# --- the ECLIPSE prior (diffusers' PriorTransformer without the time token, names kept) -----------------------------

class PriorAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.to_q, self.to_k, self.to_v = (nn.Linear(d, d) for _ in range(3))
        self.to_out = nn.ModuleList([nn.Linear(d, d), nn.Dropout(0.0)])

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = (p(x).view(b, t, self.heads, d // self.heads).transpose(1, 2) for p in (self.to_q, self.to_k, self.to_v))
        return self.to_out[0](attention(q, k, v, mask).transpose(1, 2).reshape(b, t, d))


class GELUProj(nn.Module):
    def __init__(self, d, inner):
        super().__init__()
        self.proj = nn.Linear(d, inner)

    def forward(self, x):
        return F.gelu(self.proj(x))


class FeedForward(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.net = nn.ModuleList([GELUProj(d, 4 * d), nn.Dropout(0.0), nn.Linear(4 * d, d)])

    def forward(self, x):
        return self.net[2](self.net[0](x))


class BasicTransformerBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.norm1, self.attn1 = nn.LayerNorm(d), PriorAttention(d, heads)
        self.norm3, self.ff = nn.LayerNorm(d), FeedForward(d)

    def forward(self, x, mask):
        x = x + self.attn1(self.norm1(x), mask)
        return x + self.ff(self.norm3(x))


class PriorTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        heads, e = c["num_attention_heads"], c["embedding_dim"]
        d = heads * c["attention_head_dim"]
        self.tokens = c.get("num_embeddings", CONTEXT)
        n = self.tokens + c.get("additional_embeddings", 3)
        self.proj_in, self.embedding_proj, self.encoder_hidden_states_proj = (nn.Linear(e, d) for _ in range(3))
        self.positional_embedding = nn.Parameter(torch.zeros(1, n, d))
        self.prd_embedding = nn.Parameter(torch.zeros(1, 1, d))
        self.transformer_blocks = nn.ModuleList(BasicTransformerBlock(d, heads) for _ in range(c["num_layers"]))
        self.norm_out = nn.LayerNorm(d)
        self.proj_to_clip_embeddings = nn.Linear(d, e)
        self.clip_mean = nn.Parameter(torch.zeros(1, e))
        self.clip_std = nn.Parameter(torch.ones(1, e))

    def forward(self, noise, text_embeds, hidden, mask):
        """noise, text_embeds [B,E]; hidden [B,77,E]; mask [B,77] (1 token, 0 padding) -> image_embeds [B,E]."""
        b = noise.shape[0]
        x = torch.cat([self.encoder_hidden_states_proj(hidden), self.embedding_proj(text_embeds)[:, None],
                       self.proj_in(noise)[:, None], self.prd_embedding.expand(b, -1, -1)], 1) + self.positional_embedding
        n = x.shape[1]
        add = torch.cat([(1 - mask.to(x.dtype)) * -10000.0, torch.zeros(b, n - self.tokens, dtype=x.dtype, device=x.device)], 1)
        causal = torch.full((n, n), -10000.0, dtype=x.dtype, device=x.device).triu(1)
        m = (add[:, None, :] + causal)[:, None]                              # [B,1,80,80]
        for block in self.transformer_blocks:
            x = block(x, m)
        return self.proj_to_clip_embeddings(self.norm_out(x)[:, -1])


def load_model(folder, device, dtype):
    text_dir, prior_dir = os.path.join(folder, "text_encoder"), os.path.join(folder, "prior")
    text = load(CLIPTextModelWithProjection(json.load(open(os.path.join(text_dir, "config.json")))),
                text_dir, "model.safetensors", device, dtype)
    prior = load(PriorTransformer(json.load(open(os.path.join(prior_dir, "config.json")))),
                 prior_dir, "diffusion_pytorch_model.safetensors", device, dtype)
    return text, prior


# --- commands ---------------------------------------------------------------------------------------------------------

def random_ids(batch, device):
    """[B,77] as CLIP frames them: start, 4 to 20 random word ids, end, padding 0 (the Java side's distribution)."""
    g = torch.Generator().manual_seed(7)
    out = torch.zeros(batch, CONTEXT, dtype=torch.long)
    for i in range(batch):
        w = int(torch.randint(4, 21, (1,), generator=g))
        out[i, 0] = BOS
        out[i, 1:w + 1] = torch.randint(1, 49406, (w,), generator=g)
        out[i, w + 1] = EOS
    return out.to(device)


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timeit(fields, batch, fn, device, iters):
    for _ in range(5):
        fn()
    sync(device)
    n = iters or ((20 if batch >= 256 else 50) if device.startswith("cuda") else 5)
    times = []
    t0 = time.perf_counter()
    for _ in range(n):
        s = time.perf_counter()
        fn()                       # ends with a copy to the host: synchronous
        times.append((time.perf_counter() - s) * 1000)
    ms = (time.perf_counter() - t0) * 1000 / n
    print(f"RESULT impl=torch {fields} batch={batch} ms={ms:.3f} ms_median={statistics.median(times):.3f}"
          f" prompts_per_s={batch * 1000 / ms:.0f}", flush=True)


def cmd_bench(a):
    torch.manual_seed(42)
    gpu = torch.cuda.get_device_name(0) if a.device.startswith("cuda") else f"cpu, {torch.get_num_threads()} threads"
    print(f"INFO torch={torch.__version__} cuda={torch.version.cuda} device={gpu} model={a.model}"
          f" sdpa={hasattr(F, 'scaled_dot_product_attention')}", flush=True)
    dtypes = {"float16": torch.float16, "float32": torch.float32}
    with torch.inference_mode():
        for name in a.dtypes.split(","):
            dt = dtypes[name]
            text, prior = load_model(a.model, a.device, dt)
            e = prior.proj_in.in_features
            if "prior" in a.parts:
                for b in map(int, a.prior_batches.split(",")):
                    ids = random_ids(b, a.device)
                    args = (torch.randn(b, e, device=a.device, dtype=dt), torch.randn(b, e, device=a.device, dtype=dt),
                            torch.randn(b, CONTEXT, e, device=a.device, dtype=dt), (ids != 0).long())
                    timeit(f"network=prior dtype={name}", b, lambda: prior(*args).float().cpu(), a.device, a.iters)
            if "text" in a.parts:
                for b in map(int, a.text_batches.split(",")):
                    ids = random_ids(b, a.device)
                    timeit(f"network=text dtype={name}", b, lambda: text(ids)[0].float().cpu(), a.device, a.iters)
            del text, prior
            if a.device.startswith("cuda"):
                torch.cuda.empty_cache()


def cmd_parity(a):
    ids = torch.from_numpy(np.load(os.path.join(a.embed, "input_ids.npy"))).to(a.device)
    mask = torch.from_numpy(np.load(os.path.join(a.embed, "attention_mask.npy"))).to(a.device)
    noise = torch.from_numpy(np.load(a.noise).astype(np.float32)).to(a.device)
    with torch.inference_mode():
        text, prior = load_model(a.model, a.device, torch.float32)
        text_embeds, hidden = text(ids)
        image = prior(noise, text_embeds, hidden, mask)
    ref = {"text_embeds": text_embeds, "last_hidden_state": hidden, "image_embeds": image}
    print(f"INFO torch={torch.__version__} device={a.device} model={a.model} reference=torch float32", flush=True)
    for folder in [a.embed] + ([a.compare] if a.compare else []):
        for name, want in ref.items():
            path = os.path.join(folder, name + ".npy")
            if not os.path.isfile(path):
                continue
            got = torch.from_numpy(np.load(path)).to(a.device).float()
            err = (got - want.float()).abs().max().item()
            scale = want.float().abs().max().item()
            line = f"PARITY embed={folder} output={name} max_abs_err={err:.3e} ref_max_abs={scale:.3e}"
            if name == "image_embeds":
                cos = F.cosine_similarity(got, want.float(), dim=-1).min().item()
                line += f" min_cosine={cos:.6f}"
            print(line, flush=True)


def cmd_noise(a):
    rng = np.random.default_rng(a.seed)
    np.save(a.out, rng.standard_normal((a.rows, a.dim)).astype(np.float32))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--model", required=True)
    b.add_argument("--device", default="cuda")
    b.add_argument("--dtypes", default="float16,float32")
    b.add_argument("--parts", default="prior,text")
    b.add_argument("--prior-batches", default="1,8,64,256,1024")
    b.add_argument("--text-batches", default="1,64,256")
    b.add_argument("--iters", type=int, default=0, help="timed calls per case (default: 20 at batch >= 256, else 50)")
    q = sub.add_parser("parity")
    q.add_argument("--model", required=True)
    q.add_argument("--embed", required=True)
    q.add_argument("--noise", required=True)
    q.add_argument("--compare", help="a second embed folder (float16, say) to compare with the same reference")
    q.add_argument("--device", default="cuda")
    n = sub.add_parser("noise")
    n.add_argument("--rows", type=int, required=True)
    n.add_argument("--dim", type=int, required=True)
    n.add_argument("--out", required=True)
    n.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    if getattr(a, "device", "cpu").startswith("cuda") and not torch.cuda.is_available():
        sys.exit("torch_bench: no CUDA device visible to torch " + torch.__version__ + "; use --device cpu")
    {"bench": cmd_bench, "parity": cmd_parity, "noise": cmd_noise}[a.cmd](a)


if __name__ == "__main__":
    main()
