"""Pairs the RESULT lines of GpuBenchmark (impl=djl) and torch_bench.py (impl=torch) and writes a Markdown report.

Usage: python3 compare.py --djl DJL.txt --torch TORCH.txt [--parity PARITY.txt] [--info LINE]... > figures.md

The ratio is DJL's throughput over PyTorch's (PyTorch ms / DJL ms): 1.0 is parity, below is slower. Issue 9's
targets, at batch 256 and above: 0.90 in float16, 0.95 in float32.
"""
import argparse
import re
import sys

TARGET = {"float16": 0.90, "float32": 0.95}
FIELD = re.compile(r"(\w+)=(\S+)")


def results(path):
    out, info = {}, []
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return out, [f"{path}: missing"]
    for line in lines:
        if line.startswith("INFO "):
            info.append(line[5:])
        if not line.startswith("RESULT "):
            continue
        f = dict(FIELD.findall(line))
        out[(f["network"], f["dtype"], int(f["batch"]))] = f
    return out, info


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--djl", required=True)
    p.add_argument("--torch", required=True)
    p.add_argument("--parity")
    p.add_argument("--info", action="append", default=[])
    a = p.parse_args()
    djl, djl_info = results(a.djl)
    torch, torch_info = results(a.torch)
    w = sys.stdout.write
    w("# GPU checks\n\n")
    for line in a.info + ["DJL side: " + i for i in djl_info] + ["PyTorch side: " + i for i in torch_info]:
        if line.strip() and not line.rstrip().endswith(":"):
            w(f"- {line}\n")
    if a.parity:
        w("\n## Parity\n\n```\n")
        try:
            for line in open(a.parity).read().splitlines():
                if line.startswith(("TEST ", "GpuEmbedParityTest: ", "PARITY ", "[")) or "tests " in line:
                    w(line + "\n")
        except OSError:
            w(f"{a.parity}: missing\n")
        w("```\n")
    w("\n## Speed: ms per batch, the result copied to the host (mean of the timed calls after 5 warm-up calls)\n\n")
    w("| network | dtype | batch | DJL ms | PyTorch ms | DJL / PyTorch throughput | issue 9 target |\n")
    w("|---|---|---|---|---|---|---|\n")
    below = checked = 0
    for key in sorted(set(djl) | set(torch), key=lambda k: (k[0], k[1], k[2])):
        d, t = djl.get(key), torch.get(key)
        ratio = float(t["ms"]) / float(d["ms"]) if d and t else None
        target = ""
        if ratio is not None and key[2] >= 256 and key[0] in ("prior", "text"):
            ok = ratio >= TARGET[key[1]]
            below += not ok
            checked += 1
            target = f"{'meets' if ok else 'BELOW'} {TARGET[key[1]]:.2f}"
        w(f"| {key[0]} | {key[1]} | {key[2]} | {d['ms'] if d else '-'} | {t['ms'] if t else '-'} | "
          f"{f'{ratio:.2f}' if ratio is not None else '-'} | {target} |\n")
    if not checked:
        w("\nNo case at batch >= 256 was measured on both sides.\n")
    else:
        w(f"\n{checked - below} of {checked} case(s) at batch >= 256 meet their target.\n")


if __name__ == "__main__":
    main()
