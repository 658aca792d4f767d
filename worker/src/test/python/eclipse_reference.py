#!/usr/bin/env python3
"""Float64 NumPy reference of the CLIP text encoder and the ECLIPSE prior (ECLIPSE-SPEC sections 4-5).

Two jobs, both run by hand (the Java tests never need Python):
  check    reproduce the shared golden set from its checkpoint, proving this reference is right;
  variant  write a second golden set whose configuration differs from the shared one in every way the
           Java code must not depend on: quick_gelu, eos_token_id 2 (transformers' legacy argmax pooling),
           pad id 49407, max_position_embeddings 80, prior width D != E, 3 layers, text encoder sharded in
           F16, prior in BF16. The Java test VariantGoldenTest compares against it.

usage: eclipse_reference.py check GOLDEN_DIR
       eclipse_reference.py variant GOLDEN_DIR OUT_DIR
"""
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np

ERF = np.vectorize(math.erf)
DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        if t["dtype"] == "BF16":
            bits = np.frombuffer(data[a:b], dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(data[a:b], dtype=np.dtype(DTYPES[t["dtype"]]).newbyteorder("<"))
        out[name] = arr.reshape(t["shape"]).astype(np.float64)
    return out


def write_safetensors(path, tensors):
    """tensors: name -> (dtype string, array already rounded to that dtype's values)."""
    header, blobs, off = {}, [], 0
    for name, (dtype, arr) in tensors.items():
        if dtype == "BF16":
            b = (np.asarray(arr, np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()
        else:
            b = np.asarray(arr, DTYPES[dtype]).astype(np.dtype(DTYPES[dtype]).newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def linear(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


def gelu(x):
    return 0.5 * x * (1.0 + ERF(x / math.sqrt(2.0)))


def quick_gelu(x):
    return x / (1.0 + np.exp(-1.702 * x))


def attention(x, p, prefix, names, heads, mask):
    bsz, t, d = x.shape
    hd = d // heads
    q, k, v, o = (prefix + n for n in names)
    split = lambda y: y.reshape(bsz, t, heads, hd).transpose(0, 2, 1, 3)
    qh = split(linear(x, p[q + ".weight"], p[q + ".bias"]))
    kh = split(linear(x, p[k + ".weight"], p[k + ".bias"]))
    vh = split(linear(x, p[v + ".weight"], p[v + ".bias"]))
    s = qh @ kh.transpose(0, 1, 3, 2) / math.sqrt(hd)
    if mask is not None:
        s = s + mask
    s = s - s.max(-1, keepdims=True)
    w = np.exp(s)
    w = w / w.sum(-1, keepdims=True)
    out = (w @ vh).transpose(0, 2, 1, 3).reshape(bsz, t, d)
    return linear(out, p[o + ".weight"], p[o + ".bias"])


def text_encoder(p, cfg, ids):
    act = {"gelu": gelu, "quick_gelu": quick_gelu}[cfg["hidden_act"]]
    t = ids.shape[1]
    x = p["text_model.embeddings.token_embedding.weight"][ids] + p["text_model.embeddings.position_embedding.weight"][:t]
    causal = np.triu(np.full((t, t), -1e300), 1)[None, None]
    for i in range(cfg["num_hidden_layers"]):
        pre = f"text_model.encoder.layers.{i}."
        h = layer_norm(x, p[pre + "layer_norm1.weight"], p[pre + "layer_norm1.bias"], cfg["layer_norm_eps"])
        x = x + attention(h, p, pre + "self_attn.", ["q_proj", "k_proj", "v_proj", "out_proj"], cfg["num_attention_heads"], causal)
        h = layer_norm(x, p[pre + "layer_norm2.weight"], p[pre + "layer_norm2.bias"], cfg["layer_norm_eps"])
        x = x + linear(act(linear(h, p[pre + "mlp.fc1.weight"], p[pre + "mlp.fc1.bias"])), p[pre + "mlp.fc2.weight"], p[pre + "mlp.fc2.bias"])
    last = layer_norm(x, p["text_model.final_layer_norm.weight"], p["text_model.final_layer_norm.bias"], cfg["layer_norm_eps"])
    if cfg["eos_token_id"] == 2:  # transformers' legacy pooling: the highest id is the end token
        eos = ids.argmax(-1)
    else:
        eos = (ids == cfg["eos_token_id"]).argmax(-1)
    pooled = last[np.arange(ids.shape[0]), eos]
    return linear(pooled, p["text_projection.weight"]), last


def prior(p, cfg, noise, text_embeds, hidden, mask):
    heads = cfg["num_attention_heads"]
    e = linear(hidden, p["encoder_hidden_states_proj.weight"], p["encoder_hidden_states_proj.bias"])
    pe = linear(text_embeds, p["embedding_proj.weight"], p["embedding_proj.bias"])[:, None]
    x = linear(noise, p["proj_in.weight"], p["proj_in.bias"])[:, None]
    prd = np.broadcast_to(p["prd_embedding"], (noise.shape[0], 1, x.shape[-1]))
    h = np.concatenate([e, pe, x, prd], 1) + p["positional_embedding"]
    length = h.shape[1]
    add = None
    if mask is not None:
        pad = (1.0 - mask) * -10000.0
        pad = np.concatenate([pad, np.zeros((mask.shape[0], length - mask.shape[1]))], 1)
        causal = np.triu(np.full((length, length), -10000.0), 1)
        add = (pad[:, None, :] + causal)[:, None]
    for i in range(cfg["num_layers"]):
        pre = f"transformer_blocks.{i}."
        n1 = layer_norm(h, p[pre + "norm1.weight"], p[pre + "norm1.bias"], 1e-5)
        h = h + attention(n1, p, pre + "attn1.", ["to_q", "to_k", "to_v", "to_out.0"], heads, add)
        n3 = layer_norm(h, p[pre + "norm3.weight"], p[pre + "norm3.bias"], 1e-5)
        h = h + linear(gelu(linear(n3, p[pre + "ff.net.0.proj.weight"], p[pre + "ff.net.0.proj.bias"])), p[pre + "ff.net.2.weight"], p[pre + "ff.net.2.bias"])
    out = layer_norm(h, p["norm_out.weight"], p["norm_out.bias"], 1e-5)[:, -1]
    return linear(out, p["proj_to_clip_embeddings.weight"], p["proj_to_clip_embeddings.bias"])


def check(golden):
    g = Path(golden)
    tcfg = json.loads((g / "text_encoder/config.json").read_text())
    pcfg = json.loads((g / "prior/config.json").read_text())
    tp = read_safetensors(g / "text_encoder/model.safetensors")
    pp = read_safetensors(g / "prior/diffusion_pytorch_model.safetensors")
    ids = np.load(g / "expected/input_ids.npy")
    mask = np.load(g / "expected/attention_mask.npy").astype(np.float64)
    noise = np.load(g / "inputs/noise.npy").astype(np.float64)
    te, last = text_encoder(tp, tcfg, ids)
    img = prior(pp, pcfg, noise, te, last, mask)
    for name, got in [("text_embeds", te), ("last_hidden_state", last), ("image_embeds", img),
                      ("image_embeds_zero_noise", prior(pp, pcfg, noise * 0, te, last, mask)),
                      ("image_embeds_no_mask", prior(pp, pcfg, noise, te, last, None))]:
        err = np.abs(got - np.load(g / f"expected/{name}.npy")).max()
        print(f"{name}: max abs error {err:.2e}")
        assert err < 1e-5, name


def variant(golden, out):
    g, o = Path(golden), Path(out)
    rng = np.random.default_rng(20261126)
    H, LAYERS, HEADS, I, E = 32, 3, 4, 80, 32
    PHEADS, PHD, PLAYERS = 2, 12, 3
    D = PHEADS * PHD
    tcfg = {"architectures": ["CLIPTextModelWithProjection"], "model_type": "clip_text_model", "hidden_act": "quick_gelu",
            "hidden_size": H, "intermediate_size": I, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
            "projection_dim": E, "max_position_embeddings": 80, "vocab_size": 49408, "layer_norm_eps": 1e-5,
            "eos_token_id": 2, "bos_token_id": 0, "pad_token_id": 1}
    pcfg = {"_class_name": "PriorTransformer", "num_attention_heads": PHEADS, "attention_head_dim": PHD,
            "num_layers": PLAYERS, "embedding_dim": E, "num_embeddings": 77, "additional_embeddings": 3,
            "added_emb_type": "prd", "encoder_hid_proj_type": "linear", "norm_in_type": None,
            "embedding_proj_norm_type": None, "embedding_proj_dim": None, "clip_embed_dim": None, "dropout": 0.0}

    def w(*shape, scale=None):
        scale = scale if scale is not None else 1.0 / math.sqrt(shape[-1])
        return rng.standard_normal(shape) * scale

    t = {"text_model.embeddings.token_embedding.weight": w(49408, H, scale=0.5),
         "text_model.embeddings.position_embedding.weight": w(80, H, scale=0.5)}
    for i in range(LAYERS):
        pre = f"text_model.encoder.layers.{i}."
        for n in ["q_proj", "k_proj", "v_proj", "out_proj"]:
            t[pre + f"self_attn.{n}.weight"] = w(H, H)
            t[pre + f"self_attn.{n}.bias"] = w(H, scale=0.1)
        for n in ["layer_norm1", "layer_norm2"]:
            t[pre + n + ".weight"] = 1 + w(H, scale=0.1)
            t[pre + n + ".bias"] = w(H, scale=0.1)
        t[pre + "mlp.fc1.weight"], t[pre + "mlp.fc1.bias"] = w(I, H), w(I, scale=0.1)
        t[pre + "mlp.fc2.weight"], t[pre + "mlp.fc2.bias"] = w(H, I), w(H, scale=0.1)
    t["text_model.final_layer_norm.weight"], t["text_model.final_layer_norm.bias"] = 1 + w(H, scale=0.1), w(H, scale=0.1)
    t["text_projection.weight"] = w(E, H)
    t["text_model.embeddings.position_ids"] = np.arange(80)[None]  # a buffer older exports carry

    p = {"proj_in.weight": w(D, E), "proj_in.bias": w(D, scale=0.1), "embedding_proj.weight": w(D, E),
         "embedding_proj.bias": w(D, scale=0.1), "encoder_hidden_states_proj.weight": w(D, E),
         "encoder_hidden_states_proj.bias": w(D, scale=0.1), "positional_embedding": w(1, 80, D, scale=0.5),
         "prd_embedding": w(1, 1, D, scale=0.5), "norm_out.weight": 1 + w(D, scale=0.1), "norm_out.bias": w(D, scale=0.1),
         "proj_to_clip_embeddings.weight": w(E, D), "proj_to_clip_embeddings.bias": w(E, scale=0.1),
         "clip_mean": w(1, E), "clip_std": 1 + np.abs(w(1, E))}
    for i in range(PLAYERS):
        pre = f"transformer_blocks.{i}."
        for n in ["to_q", "to_k", "to_v", "to_out.0"]:
            p[pre + f"attn1.{n}.weight"], p[pre + f"attn1.{n}.bias"] = w(D, D), w(D, scale=0.1)
        for n in ["norm1", "norm3"]:
            p[pre + n + ".weight"], p[pre + n + ".bias"] = 1 + w(D, scale=0.1), w(D, scale=0.1)
        p[pre + "ff.net.0.proj.weight"], p[pre + "ff.net.0.proj.bias"] = w(4 * D, D), w(4 * D, scale=0.1)
        p[pre + "ff.net.2.weight"], p[pre + "ff.net.2.bias"] = w(D, 4 * D), w(D, scale=0.1)

    # Round to the stored precision first: the reference computes with exactly the stored values.
    t16 = {k: (("I64", v.astype(np.int64)) if k.endswith("position_ids") else ("F16", v.astype(np.float16).astype(np.float64))) for k, v in t.items()}
    def to_bf16(v):
        bits = np.asarray(v, np.float32).view(np.uint32).astype(np.uint64)
        rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
        return rounded.astype(np.uint32).view(np.float32).astype(np.float64)
    pbf = {k: ("BF16", to_bf16(v)) for k, v in p.items()}

    (o / "text_encoder").mkdir(parents=True, exist_ok=True)
    (o / "prior").mkdir(parents=True, exist_ok=True)
    (o / "expected").mkdir(parents=True, exist_ok=True)
    (o / "text_encoder/config.json").write_text(json.dumps(tcfg, indent=2))
    (o / "prior/config.json").write_text(json.dumps(pcfg, indent=2))
    names = list(t16)
    shards = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map = {}
    for si, shard in enumerate(shards):
        fname = f"model-{si + 1:05d}-of-{len(shards):05d}.safetensors"
        write_safetensors(o / "text_encoder" / fname, {k: t16[k] for k in shard})
        weight_map.update({k: fname for k in shard})
    (o / "text_encoder/model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}, indent=2))
    write_safetensors(o / "prior/diffusion_pytorch_model.safetensors", pbf)

    ids = np.load(g / "expected/input_ids.npy").copy()
    mask = np.load(g / "expected/attention_mask.npy")
    ids[mask == 0] = 49407  # openai/clip-vit-large-patch14 pads with the end token
    noise = np.load(g / "inputs/noise.npy")[:, :E].astype(np.float64)
    tp = {k: v for k, (_, v) in t16.items()}
    pp = {k: v for k, (_, v) in pbf.items()}
    te, last = text_encoder(tp, tcfg, ids)
    img = prior(pp, pcfg, noise, te, last, mask.astype(np.float64))
    np.save(o / "noise.npy", noise.astype(np.float32))
    np.save(o / "expected/input_ids.npy", ids)
    np.save(o / "expected/text_embeds.npy", te.astype(np.float32))
    np.save(o / "expected/last_hidden_state.npy", last.astype(np.float32))
    np.save(o / "expected/image_embeds.npy", img.astype(np.float32))
    print("wrote", o)


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2])
    else:
        variant(sys.argv[2], sys.argv[3])
