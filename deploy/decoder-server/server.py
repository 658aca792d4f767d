#!/usr/bin/env python3
"""Reference decoder service for Umbra's HTTP decoder (`--decoder http`): Kandinsky 2.2's decoder (a UNet and MoVQ),
run by diffusers on a GPU, behind the small JSON-in, PNG-out protocol of deploy/decoder-server/README.md.

    pip install torch diffusers transformers accelerate
    python3 server.py --port 8700 [--model kandinsky-community/kandinsky-2-2-decoder] [--device cuda]

It cannot run on Umbra's CI machines (no GPU, no network to fetch the weights); see the README.
"""
import argparse
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch
from diffusers import KandinskyV22Pipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--model", default="kandinsky-community/kandinsky-2-2-decoder")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--max-side", type=int, default=1024, help="largest width or height accepted")
    args = parser.parse_args()

    dtype = torch.float16 if args.device.startswith("cuda") else torch.float32
    pipe = KandinskyV22Pipeline.from_pretrained(args.model, torch_dtype=dtype).to(args.device)
    embedding_dim = pipe.unet.config.encoder_hid_dim  # 1280 for Kandinsky 2.2
    gpu = threading.Lock()  # one generation at a time on the device; HTTP threads wait their turn

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            try:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                image = embeds(body, "image_embeds")
                negative = embeds(body, "negative_image_embeds") if body.get("negative_image_embeds") is not None \
                    else torch.zeros_like(image)
                width, height = int(body.get("width", 768)), int(body.get("height", 768))
                if not (64 <= width <= args.max_side and 64 <= height <= args.max_side) or width % 64 or height % 64:
                    raise ValueError(f"width and height must be multiples of 64 in 64..{args.max_side}")
                steps = int(body.get("num_inference_steps", 50))
                if not 1 <= steps <= 500:
                    raise ValueError("num_inference_steps must be in 1..500")
                guidance = float(body.get("guidance_scale", 4.0))
                seed = int(body["seed"]) & 0xFFFFFFFFFFFFFFFF
            except (KeyError, ValueError, TypeError, json.JSONDecodeError) as e:
                return self.answer(422, "text/plain", f"bad request: {e}".encode())
            try:
                with gpu:
                    generator = torch.Generator(device=args.device).manual_seed(seed)
                    picture = pipe(image_embeds=image, negative_image_embeds=negative, width=width, height=height,
                                   num_inference_steps=steps, guidance_scale=guidance, generator=generator).images[0]
            except Exception as e:  # out of memory and friends: the client retries 5xx
                return self.answer(500, "text/plain", f"decoding failed: {e}".encode())
            png = io.BytesIO()
            picture.save(png, format="PNG")
            self.answer(200, "image/png", png.getvalue())

        def answer(self, status, content_type, payload):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    def embeds(body, key):
        values = body[key]
        if not isinstance(values, list) or len(values) != embedding_dim:
            raise ValueError(f"{key} must be a list of {embedding_dim} numbers")
        return torch.tensor([values], dtype=dtype, device=args.device)

    ThreadingHTTPServer((args.host, args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
