#!/usr/bin/env python3
"""Exports a UNet + MoVQ image decoder as TorchScript for Umbra's in-process decoder.

Two modes:

  --from-pretrained kandinsky-community/kandinsky-2-2-decoder --out DIR
      Wraps diffusers' UNet2DConditionModel and VQModel (MoVQ) of a Kandinsky 2.2 decoder in modules
      with plain tensor signatures, traces them and writes DIR/unet.pt, DIR/movq.pt, DIR/decoder.json.
      Needs diffusers and the weights (run it where they are).

  --tiny --out DIR --seed N
      Small random modules with the same signatures, plus DIR/reference/*.npy: inputs, noise and the
      pictures computed by this file's own sampling loop, for Umbra's tests. Needs only torch and
      numpy (Debian's python3-torch is enough).

The files (see README.md beside this script):
  unet.pt   forward(sample [B,C,h,w], timestep int64 [B], image_embeds [B,E]) -> [B,C_out,h,w]
            C_out = C, or 2C when the UNet also predicts a variance (Kandinsky 2.2); the first C
            channels are the prediction, the rest are dropped.
  movq.pt   forward(latents [B,C,h,w]) -> [B,3,h*f,w*f], pixels in [-1, 1] (f: vae_scale_factor)
  decoder.json  sizes, the noise schedule and the defaults.
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "umbra-torchscript-decoder"
FORMAT_VERSION = 1


# ---------------------------------------------------------------------------------------------
# The sampling loop: a transcription of diffusers' DDPMScheduler.step / DDIMScheduler.step (eta 0)
# and KandinskyV22Pipeline's classifier-free guidance, on one request at a time. Umbra's Java loop
# (dev.umbra.decoder.torchscript) is checked against what this computes.
# ---------------------------------------------------------------------------------------------

def betas(s):
    n = s["num_train_timesteps"]
    kind = s["beta_schedule"]
    if kind == "linear":
        return np.linspace(s["beta_start"], s["beta_end"], n, dtype=np.float64)
    if kind == "scaled_linear":
        return np.linspace(s["beta_start"] ** 0.5, s["beta_end"] ** 0.5, n, dtype=np.float64) ** 2
    if kind == "squaredcos_cap_v2":
        def alpha_bar(t):
            return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
        return np.array([min(1 - alpha_bar((i + 1) / n) / alpha_bar(i / n), 0.999) for i in range(n)])
    raise ValueError("beta_schedule " + kind + " is not supported")


def timesteps(s, steps):
    n = s["num_train_timesteps"]
    spacing = s["timestep_spacing"]
    if spacing == "leading":
        ratio = n // steps
        return (np.arange(0, steps) * ratio).round()[::-1].astype(np.int64) + s["steps_offset"]
    if spacing == "trailing":
        ratio = n / steps
        return np.round(np.arange(n, 0, -ratio)).astype(np.int64) - 1
    if spacing == "linspace":
        return np.linspace(0, n - 1, steps).round()[::-1].astype(np.int64)
    raise ValueError("timestep_spacing " + spacing + " is not supported")


class Schedule:
    def __init__(self, s):
        self.s = s
        self.betas = betas(s)
        self.alphas_cumprod = np.cumprod(1.0 - self.betas)

    def alpha_prod(self, t, sampler):
        if t >= 0:
            return float(self.alphas_cumprod[t])
        if sampler == "ddim" and not self.s.get("set_alpha_to_one", True):
            return float(self.alphas_cumprod[0])
        return 1.0

    def previous(self, t, steps):
        return int(t) - self.s["num_train_timesteps"] // steps


def original_and_epsilon(s, model_output, sample, a_t):
    kind = s["prediction_type"]
    if kind == "epsilon":
        x0 = (sample - (1 - a_t) ** 0.5 * model_output) / a_t ** 0.5
        eps = model_output
    elif kind == "v_prediction":
        x0 = a_t ** 0.5 * sample - (1 - a_t) ** 0.5 * model_output
        eps = a_t ** 0.5 * model_output + (1 - a_t) ** 0.5 * sample
    elif kind == "sample":
        x0 = model_output
        eps = (sample - a_t ** 0.5 * x0) / (1 - a_t) ** 0.5
    else:
        raise ValueError("prediction_type " + kind + " is not supported")
    if s.get("clip_sample", False):
        r = s.get("clip_sample_range", 1.0)
        x0 = x0.clamp(-r, r)
    return x0, eps


def ddim_step(sched, model_output, t, steps, sample):
    a_t = sched.alpha_prod(t, "ddim")
    a_prev = sched.alpha_prod(sched.previous(t, steps), "ddim")
    x0, eps = original_and_epsilon(sched.s, model_output, sample, a_t)
    return a_prev ** 0.5 * x0 + (1 - a_prev) ** 0.5 * eps


def ddpm_step(sched, model_output, t, steps, sample, noise):
    prev = sched.previous(t, steps)
    a_t = sched.alpha_prod(t, "ddpm")
    a_prev = sched.alpha_prod(prev, "ddpm")
    beta_t = 1 - a_t
    beta_prev = 1 - a_prev
    current_alpha = a_t / a_prev
    current_beta = 1 - current_alpha
    x0, _ = original_and_epsilon(sched.s, model_output, sample, a_t)
    x0_coeff = a_prev ** 0.5 * current_beta / beta_t
    x_coeff = current_alpha ** 0.5 * beta_prev / beta_t
    prev_sample = x0_coeff * x0 + x_coeff * sample
    if t > 0:
        variance = max(beta_prev / beta_t * current_beta, 1e-20)  # variance_type fixed_small
        prev_sample = prev_sample + variance ** 0.5 * noise
    return prev_sample


@torch.no_grad()
def sample_one(unet, movq, config, sampler, embeds, negative, guidance, steps, init_noise, step_noise):
    """One picture: embeds/negative [E], init_noise [C,h,w], step_noise [steps,C,h,w] (DDPM)."""
    sched = Schedule(config["scheduler"])
    c = config["latent_channels"]
    latents = torch.from_numpy(init_noise).unsqueeze(0)
    guided = guidance > 1.0
    cond = torch.from_numpy(np.stack([negative, embeds]) if guided else embeds[None])
    for i, t in enumerate(timesteps(config["scheduler"], steps)):
        model_in = torch.cat([latents, latents]) if guided else latents
        out = unet(model_in, torch.full((model_in.shape[0],), int(t), dtype=torch.int64), cond)[:, :c]
        if guided:
            uncond, text = out.chunk(2)
            out = uncond + guidance * (text - uncond)
        if sampler == "ddim":
            latents = ddim_step(sched, out, int(t), steps, latents)
        else:
            latents = ddpm_step(sched, out, int(t), steps, latents, torch.from_numpy(step_noise[i]).unsqueeze(0))
    return latents[0].numpy(), movq(latents)[0].numpy()


# ---------------------------------------------------------------------------------------------
# Tiny random modules with Kandinsky 2.2's signatures
# ---------------------------------------------------------------------------------------------

class TinyUNet(nn.Module):
    """A two-level conv UNet conditioned on the timestep and the image embedding; predicts 2C channels
    (a prediction and a learned variance, as Kandinsky 2.2's UNet does)."""

    def __init__(self, channels=4, embedding_dim=64, width=32):
        super().__init__()
        self.width = width
        self.time_mlp = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.image_proj = nn.Linear(embedding_dim, width)
        self.conv_in = nn.Conv2d(channels, width, 3, padding=1)
        self.down = nn.Conv2d(width, width, 3, padding=1)
        self.mid = nn.Conv2d(width, width, 3, padding=1)
        self.up = nn.Conv2d(2 * width, width, 3, padding=1)
        self.conv_out = nn.Conv2d(width, 2 * channels, 3, padding=1)

    def forward(self, sample, timestep, image_embeds):
        half = self.width // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        angles = timestep.to(torch.float32)[:, None] * freqs[None, :]
        t = self.time_mlp(torch.cat([torch.sin(angles), torch.cos(angles)], dim=1))
        cond = (t + self.image_proj(image_embeds))[:, :, None, None]
        h = F.silu(self.conv_in(sample) + cond)
        skip = h
        h = F.silu(self.down(F.avg_pool2d(h, 2)))
        h = F.silu(self.mid(h) + cond)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = F.silu(self.up(torch.cat([h, skip], dim=1)))
        return self.conv_out(h)


class TinyMovq(nn.Module):
    """Latents to pixels, upsampling by 8 (three nearest-neighbour doublings and convs)."""

    def __init__(self, channels=4, width=16):
        super().__init__()
        self.conv_in = nn.Conv2d(channels, width, 3, padding=1)
        self.ups = nn.ModuleList([nn.Conv2d(width, width, 3, padding=1) for _ in range(3)])
        self.conv_out = nn.Conv2d(width, 3, 3, padding=1)

    def forward(self, latents):
        h = F.silu(self.conv_in(latents))
        for conv in self.ups:
            h = F.silu(conv(F.interpolate(h, scale_factor=2.0, mode="nearest")))
        # scaled so that some pixels leave [-1, 1] and the consumer's clamping is exercised too
        return 6.0 * torch.tanh(self.conv_out(h))


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------

SCHEDULER_KEYS = ["num_train_timesteps", "beta_schedule", "beta_start", "beta_end", "timestep_spacing",
                  "steps_offset", "prediction_type", "variance_type", "clip_sample", "clip_sample_range",
                  "thresholding", "set_alpha_to_one"]


def trace_and_check(module, example, check, name):
    """Traces, then compares the trace with the eager module on inputs of another batch and size: a trace
    fixes whatever Python computed from shapes, and this is where such a shape would show."""
    traced = torch.jit.trace(module, example, check_trace=False)
    with torch.no_grad():
        want = module(*check)
        got = traced(*check)
    diff = (want - got).abs().max().item()
    scale = max(want.abs().max().item(), 1e-6)
    if tuple(want.shape) != tuple(got.shape) or diff > 1e-3 * scale:
        sys.exit(f"{name}: the trace does not follow the module at shapes {[tuple(x.shape) for x in check]}"
                 f" (max difference {diff}); export at the size you serve with --trace-size")
    print(f"{name}: traced; at {[tuple(x.shape) for x in check]} it matches the module to {diff:.2e}")
    return traced


def unet_inputs(batch, channels, h, w, embedding_dim, dtype, device, seed):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, channels, h, w, generator=g).to(device, dtype),
            torch.randint(0, 1000, (batch,), generator=g).to(device),
            torch.randn(batch, embedding_dim, generator=g).to(device, dtype))


def export(unet, movq, config, out, trace_size, check_size, dtype, device):
    os.makedirs(out, exist_ok=True)
    c = config["latent_channels"]
    f = config["vae_scale_factor"]
    e = config["embedding_dim"]
    (tw, th), (cw, ch) = trace_size, check_size
    for w, h in (trace_size, check_size):
        if w % config["size_multiple"] or h % config["size_multiple"]:
            sys.exit(f"sizes must be multiples of {config['size_multiple']} (got {w}x{h})")
    u = trace_and_check(unet, unet_inputs(2, c, th // f, tw // f, e, dtype, device, 1),
                        unet_inputs(3, c, ch // f, cw // f, e, dtype, device, 2), "unet")
    m = trace_and_check(movq, unet_inputs(2, c, th // f, tw // f, e, dtype, device, 3)[:1],
                        unet_inputs(3, c, ch // f, cw // f, e, dtype, device, 4)[:1], "movq")
    u.save(os.path.join(out, "unet.pt"))
    m.save(os.path.join(out, "movq.pt"))
    with open(os.path.join(out, "decoder.json"), "w") as fh:
        json.dump(config, fh, indent=2)
        fh.write("\n")
    print("wrote", ", ".join(os.path.join(out, n) for n in ("unet.pt", "movq.pt", "decoder.json")))


class KandinskyUNet(nn.Module):
    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, image_embeds):
        return self.unet(sample, timestep, encoder_hidden_states=None,
                         added_cond_kwargs={"image_embeds": image_embeds}, return_dict=False)[0]


class KandinskyMovq(nn.Module):
    def __init__(self, movq):
        super().__init__()
        self.movq = movq

    def forward(self, latents):
        return self.movq.decode(latents, force_not_quantize=True).sample


def from_pretrained(args):
    from diffusers import DDPMScheduler, UNet2DConditionModel, VQModel

    dtype = {"float32": torch.float32, "float16": torch.float16}[args.dtype]
    device = torch.device(args.device)
    unet = UNet2DConditionModel.from_pretrained(args.from_pretrained, subfolder="unet", torch_dtype=dtype)
    movq = VQModel.from_pretrained(args.from_pretrained, subfolder="movq", torch_dtype=dtype)
    scheduler = DDPMScheduler.from_pretrained(args.from_pretrained, subfolder="scheduler")
    unet, movq = unet.to(device).eval(), movq.to(device).eval()
    s = dict(scheduler.config)
    missing = [k for k in ("num_train_timesteps", "beta_schedule", "beta_start", "beta_end") if k not in s]
    if missing or s.get("trained_betas") is not None:
        sys.exit(f"the scheduler config lacks {missing} or has trained_betas: not supported")
    s.setdefault("set_alpha_to_one", True)  # what DDIMScheduler.from_config would take
    channels = unet.config.in_channels
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "source": args.from_pretrained,
        "dtype": args.dtype,
        "embedding_dim": unet.config.encoder_hid_dim,
        "latent_channels": channels,
        "unet_out_channels": unet.config.out_channels,
        # the pipeline drops the variance channels unless the scheduler itself learns the variance
        "learned_variance": unet.config.out_channels == 2 * channels,
        "vae_scale_factor": 2 ** (len(movq.config.block_out_channels) - 1),
        "output_range": "minus_one_to_one",
        "scheduler": {k: s.get(k) for k in SCHEDULER_KEYS},
        "sampler": "ddpm",
        "defaults": {"steps": args.steps, "guidance": args.guidance, "width": args.width, "height": args.height},
    }
    config["size_multiple"] = config["vae_scale_factor"] ** 2  # latents a multiple of 8: the UNet halves them 3 times
    if args.unconditional_from:
        config["unconditional_embedding"] = write_zero_image_embedding(args, config["embedding_dim"])
    export(KandinskyUNet(unet).eval(), KandinskyMovq(movq).eval(), config, args.out,
           args.trace_size, args.check_size, dtype, device)


def write_zero_image_embedding(args, embedding_dim):
    """The prior pipeline's negative embedding when there is no negative prompt: the CLIP image embedding of an
    all-zero picture (KandinskyV22PriorPipeline.get_zero_embed)."""
    from transformers import CLIPVisionModelWithProjection

    encoder = CLIPVisionModelWithProjection.from_pretrained(args.unconditional_from, subfolder="image_encoder")
    size = encoder.config.image_size
    with torch.no_grad():
        e = encoder(torch.zeros(1, 3, size, size)).image_embeds[0].float().numpy()
    if e.shape != (embedding_dim,):
        sys.exit(f"the image encoder makes {e.shape} embeddings; the UNet takes {embedding_dim}")
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "unconditional_embedding.npy"), e.astype(np.float32))
    return "unconditional_embedding.npy"


def tiny(args):
    torch.manual_seed(args.seed)
    e, c = 64, 4
    unet, movq = TinyUNet(c, e).eval(), TinyMovq(c).eval()
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "source": f"tiny random modules, export.py --tiny --seed {args.seed}",
        "dtype": "float32",
        "embedding_dim": e,
        "latent_channels": c,
        "unet_out_channels": 2 * c,
        "learned_variance": True,
        "vae_scale_factor": 8,
        "size_multiple": 64,
        "output_range": "minus_one_to_one",
        # Kandinsky 2.2's decoder schedule
        "scheduler": {"num_train_timesteps": 1000, "beta_schedule": "linear", "beta_start": 0.00085,
                      "beta_end": 0.012, "timestep_spacing": "leading", "steps_offset": 1,
                      "prediction_type": "epsilon", "variance_type": "fixed_small", "clip_sample": False,
                      "clip_sample_range": 1.0, "thresholding": False, "set_alpha_to_one": True},
        "sampler": "ddpm",
        "defaults": {"steps": 8, "guidance": 4.0, "width": 64, "height": 64},
    }
    export(unet, movq, config, args.out, (64, 64), (128, 64), torch.float32, torch.device("cpu"))
    write_reference(args, config)


def write_reference(args, config):
    """Three requests through the loaded TorchScript files: DDIM at 64x64 and DDPM at 128 wide x 64 high, each
    with guidance 4, 1 (off) and 7.5; request 2 has no negative embedding (zeros)."""
    unet = torch.jit.load(os.path.join(args.out, "unet.pt"))
    movq = torch.jit.load(os.path.join(args.out, "movq.pt"))
    rng = np.random.RandomState(args.seed)
    ref = os.path.join(args.out, "reference")
    os.makedirs(ref, exist_ok=True)
    n, e, c, steps = 3, config["embedding_dim"], config["latent_channels"], 4
    embeds = rng.standard_normal((n, e)).astype(np.float32)
    negative = rng.standard_normal((n, e)).astype(np.float32)
    negative[2] = 0
    guidance = np.array([4.0, 1.0, 7.5], dtype=np.float32)
    np.save(os.path.join(ref, "embeds.npy"), embeds)
    np.save(os.path.join(ref, "negative_embeds.npy"), negative)
    np.save(os.path.join(ref, "guidance.npy"), guidance)
    for sampler, (w, h) in (("ddim", (64, 64)), ("ddpm", (128, 64))):
        lh, lw = h // 8, w // 8
        init = rng.standard_normal((n, c, lh, lw)).astype(np.float32)
        step_noise = rng.standard_normal((steps, n, c, lh, lw)).astype(np.float32)
        latents, images = zip(*[sample_one(unet, movq, config, sampler, embeds[i], negative[i], float(guidance[i]),
                                           steps, init[i], step_noise[:, i]) for i in range(n)])
        np.save(os.path.join(ref, f"{sampler}_init_noise.npy"), init)
        if sampler == "ddpm":
            np.save(os.path.join(ref, "ddpm_step_noise.npy"), step_noise)
        np.save(os.path.join(ref, f"{sampler}_timesteps.npy"), timesteps(config["scheduler"], steps))
        np.save(os.path.join(ref, f"{sampler}_latents.npy"), np.stack(latents).astype(np.float32))
        np.save(os.path.join(ref, f"{sampler}_images.npy"), np.stack(images).astype(np.float32))
    with open(os.path.join(ref, "cases.json"), "w") as fh:
        json.dump({"requests": n, "steps": steps, "guidance": guidance.tolist(), "absent_negative": [2],
                   "ddim": {"width": 64, "height": 64}, "ddpm": {"width": 128, "height": 64}}, fh, indent=2)
        fh.write("\n")
    print("wrote the reference to", ref)


def size(text):
    try:
        w, h = text.lower().split("x")
        return int(w), int(h)
    except ValueError:
        raise argparse.ArgumentTypeError("expected WIDTHxHEIGHT, e.g. 768x768")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--from-pretrained", metavar="REPO_OR_DIR",
                      help="a Kandinsky 2.2 decoder (kandinsky-community/kandinsky-2-2-decoder or a local copy)")
    mode.add_argument("--tiny", action="store_true", help="small random modules and a reference, for tests")
    p.add_argument("--out", required=True, help="folder to write")
    p.add_argument("--seed", type=int, default=0, help="--tiny: seed of the weights and the reference")
    p.add_argument("--dtype", choices=["float32", "float16"], default="float32",
                   help="weights and inputs; float16 for a GPU")
    p.add_argument("--device", default="cpu", help="where to trace: cpu, or cuda to serve on a GPU")
    p.add_argument("--trace-size", type=size, default=(768, 768), help="picture size traced at")
    p.add_argument("--check-size", type=size, default=(512, 640), help="another size the trace is checked at")
    p.add_argument("--steps", type=int, default=50, help="default denoising steps written to decoder.json")
    p.add_argument("--guidance", type=float, default=4.0, help="default guidance scale")
    p.add_argument("--width", type=int, default=768, help="default picture width")
    p.add_argument("--height", type=int, default=768, help="default picture height")
    p.add_argument("--unconditional-from", metavar="PRIOR_REPO",
                   help="write the CLIP image embedding of a zero picture (kandinsky-community/kandinsky-2-2-prior's"
                        " image_encoder) as the negative embedding of requests without one; zeros otherwise")
    args = p.parse_args()
    if args.tiny:
        tiny(args)
    else:
        from_pretrained(args)


if __name__ == "__main__":
    main()
