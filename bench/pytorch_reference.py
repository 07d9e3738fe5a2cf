#!/usr/bin/env python3
"""The same benchmarks as bench_train_step, in PyTorch (Debian's python3-torch, CPU, float32,
eager mode), to put rill's figures side by side with it.

    OMP_NUM_THREADS=1 python3 bench/pytorch_reference.py 1 [rill_binary] [all|mlp|unet|sample]
    python3 bench/pytorch_reference.py --device cuda [--tf32] [rill_cuda_binary | its saved output]

Builds the docs/models.md MLP and U-Net layer for layer (it checks the parameter counts), times
a CFM training step of each (Adam) and 64 MNIST-sized samples with 100 Euler steps, and,
when the path of rill's bench_train_step is given, runs it with the same thread count and
prints the ratios rill / PyTorch. With `unet` alone both print the peak resident memory
of a U-Net training run (each in its own process), and the ratio of those.
Run both under the same OPENBLAS_CORETYPE: PyTorch's linear layers use OpenBLAS too.

With --device cuda it times the GPU figures of issue 19 instead (bench_cuda_train_step):
a training step of the MLP (batch 256) and of the MNIST U-Net (batch 64 and 256), the
peak of allocated memory in the batch-256 steps, and 64 MNIST-sized samples with 100
Euler steps; float32, TF32 off in cuBLAS and cuDNN unless --tf32 (then on in both, as
for rill). Given the path of bench_cuda_train_step, it runs it
with the same TF32 setting and prints the ratios rill / PyTorch (or reads the figures
from a file holding that program's output, as cuda/run_gpu_checks.sh does).
"""
import math
import os
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, d=2, w=256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d + 1, w), nn.SiLU(), nn.Linear(w, w), nn.SiLU(),
                                 nn.Linear(w, w), nn.SiLU(), nn.Linear(w, d))

    def forward(self, x, t):
        return self.net(torch.cat([x, t[:, None]], 1))


def sinusoidal(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = 1000.0 * t[:, None] * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], 1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb, groups, dropout):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb_proj = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb_proj(F.silu(e))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return h + (self.skip(x) if self.skip is not None else x)


class Attention(nn.Module):
    def __init__(self, c, heads, groups):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(groups, c)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.proj = nn.Conv2d(c, c, 1)

    def forward(self, x):
        n, c, h, w = x.shape
        d = c // self.heads
        qkv = self.qkv(self.norm(x)).reshape(n, 3, self.heads, d, h * w)
        q, k, v = qkv[:, 0].transpose(2, 3), qkv[:, 1], qkv[:, 2].transpose(2, 3)
        attn = torch.softmax(q @ k / math.sqrt(d), -1)
        return x + self.proj((attn @ v).transpose(2, 3).reshape(n, c, h, w))


class UNet(nn.Module):
    def __init__(self, in_ch=1, base=32, mult=(1, 2, 2), res_blocks=1, groups=8, heads=4):
        super().__init__()
        e = 4 * base
        self.base = base
        self.time_mlp = nn.Sequential(nn.Linear(base, e), nn.SiLU(), nn.Linear(e, e))
        self.conv_in = nn.Conv2d(in_ch, base, 3, padding=1)
        skips, ch = [base], base
        self.down = nn.ModuleList()
        for i, m in enumerate(mult):
            level = nn.Module()
            level.blocks = nn.ModuleList()
            for _ in range(res_blocks):
                level.blocks.append(ResBlock(ch, base * m, e, groups, 0.0))
                ch = base * m
                skips.append(ch)
            level.downsample = nn.Conv2d(ch, ch, 3, stride=2, padding=1) if i + 1 < len(mult) else None
            if level.downsample is not None:
                skips.append(ch)
            self.down.append(level)
        self.mid1 = ResBlock(ch, ch, e, groups, 0.0)
        self.attn = Attention(ch, heads, groups)
        self.mid2 = ResBlock(ch, ch, e, groups, 0.0)
        self.up = nn.ModuleList()
        for i in reversed(range(len(mult))):
            level = nn.Module()
            level.blocks = nn.ModuleList()
            for _ in range(res_blocks + 1):
                level.blocks.append(ResBlock(ch + skips.pop(), base * mult[i], e, groups, 0.0))
                ch = base * mult[i]
            level.upsample = nn.Conv2d(ch, ch, 3, padding=1) if i > 0 else None
            self.up.append(level)
        self.norm_out = nn.GroupNorm(groups, ch)
        self.conv_out = nn.Conv2d(ch, in_ch, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x, t):
        e = self.time_mlp(sinusoidal(t, self.base))
        h = self.conv_in(x)
        skips = [h]
        for level in self.down:
            for b in level.blocks:
                h = b(h, e)
                skips.append(h)
            if level.downsample is not None:
                h = level.downsample(h)
                skips.append(h)
        h = self.mid2(self.attn(self.mid1(h, e)), e)
        for level in self.up:
            for b in level.blocks:
                h = b(torch.cat([h, skips.pop()], 1), e)
            if level.upsample is not None:
                h = level.upsample(F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))


def peak_rss_mb():
    """VmHWM of this process (getrusage's ru_maxrss would carry a parent's peak over)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def median_seconds(f, repeats, sync=lambda: None, warm_up=True):
    if warm_up:
        f()
    times = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        f()
        sync()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def cfm_step(model, opt, shape, device="cpu"):
    x0, x1 = torch.randn(shape, device=device), torch.randn(shape, device=device)
    t = torch.rand(shape[0], device=device)
    tb = t.reshape(-1, *([1] * (len(shape) - 1)))
    loss = F.mse_loss(model(tb * x1 + (1 - tb) * x0, t), x1 - x0)
    opt.zero_grad()
    loss.backward()
    opt.step()


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    rill_binary = sys.argv[2] if len(sys.argv) > 2 else None
    which = sys.argv[3] if len(sys.argv) > 3 else "all"
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    mlp, unet = MLP(), UNet()
    assert sum(p.numel() for p in mlp.parameters()) == 133122
    assert sum(p.numel() for p in unet.parameters()) == 1062497
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    results = {}
    if which in ("all", "mlp"):
        opt = torch.optim.Adam(mlp.parameters(), 1e-3)
        results["mlp"] = median_seconds(lambda: cfm_step(mlp, opt, (256, 2)), 50)
        print(f"MLP training step (batch 256, Adam)      {results['mlp'] * 1e3:8.2f} ms")
    if which in ("all", "unet"):
        opt = torch.optim.Adam(unet.parameters(), 1e-3)
        results["unet"] = median_seconds(lambda: cfm_step(unet, opt, (64, 1, 28, 28)), 5)
        print(f"U-Net training step (batch 64, Adam)     {results['unet']:8.3f} s")
    if which == "unet":
        results["memory"] = peak_rss_mb()
        print(f"peak resident memory (U-Net training)    {results['memory']:8.0f} MB")

    def sample():
        with torch.no_grad():
            x = torch.randn(64, 1, 28, 28)
            for k in range(100):
                x = x + 0.01 * unet(x, torch.full((64,), k / 100.0))
    if which in ("all", "sample"):
        results["sample"] = median_seconds(sample, 1)
        print(f"64 samples, 100 Euler steps (U-Net)      {results['sample']:8.2f} s")
    if rill_binary:
        out = subprocess.run([rill_binary, str(threads), which], capture_output=True, text=True, check=True).stdout
        print("\nrill:\n" + out)
        rill = {}
        for line in out.splitlines():
            if line.startswith("MLP training step"):
                rill["mlp"] = float(line.split()[-2]) / 1e3
            elif line.startswith("U-Net training step"):
                rill["unet"] = float(line.split("Adam)")[1].split()[0])
            elif line.startswith("64 samples"):
                rill["sample"] = float(line.split()[-2])
            elif line.startswith("peak resident memory"):
                rill["memory"] = float(line.split()[-2])
        for key, name in (("mlp", "MLP step"), ("unet", "U-Net step"), ("sample", "sampling"), ("memory", "peak memory")):
            if key in results and key in rill:
                print(f"ratio rill / PyTorch, {name:<11}: {rill[key] / results[key]:.2f}")


# The GPU figures of issue 19, labelled as bench_cuda_train_step prints them: "label  value unit".
CUDA_FIGURES = ["MLP training step (batch 256)", "U-Net training step (batch 64)", "U-Net training step (batch 256)",
                "peak memory, U-Net training (batch 256)", "64 samples, 100 Euler steps (U-Net)"]


def parse_figures(text):
    """{label: value} of the lines "label   value unit" among CUDA_FIGURES."""
    figures = {}
    for line in text.splitlines():
        for label in CUDA_FIGURES:
            if line.startswith(label) and len(line.split()) >= 2:
                figures[label] = float(line.split()[-2])
    return figures


def main_cuda(args):
    tf32 = "--tf32" in args
    args = [a for a in args if a != "--tf32"]
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    dev, sync = "cuda", torch.cuda.synchronize
    torch.manual_seed(0)
    mlp, unet = MLP().to(dev), UNet().to(dev)
    assert sum(p.numel() for p in mlp.parameters()) == 133122
    assert sum(p.numel() for p in unet.parameters()) == 1062497
    print(f"PyTorch {torch.__version__}, {torch.cuda.get_device_name(0)}, TF32 {'on' if tf32 else 'off'}\n")
    results = {}

    def figure(label, value, unit):
        results[label] = value
        print(f"{label:<44}{value:10.3f} {unit}")

    opt = torch.optim.Adam(mlp.parameters(), 1e-3)
    figure(CUDA_FIGURES[0], median_seconds(lambda: cfm_step(mlp, opt, (256, 2), dev), 50, sync) * 1e3, "ms")
    opt = torch.optim.Adam(unet.parameters(), 1e-3)
    figure(CUDA_FIGURES[1], median_seconds(lambda: cfm_step(unet, opt, (64, 1, 28, 28), dev), 10, sync) * 1e3, "ms")
    torch.cuda.reset_peak_memory_stats()
    figure(CUDA_FIGURES[2], median_seconds(lambda: cfm_step(unet, opt, (256, 1, 28, 28), dev), 10, sync) * 1e3, "ms")
    figure(CUDA_FIGURES[3], torch.cuda.max_memory_allocated() / 2**20, "MiB")
    x0 = torch.randn(64, 1, 28, 28, device=dev)

    def sample():
        with torch.no_grad():
            x = x0
            for k in range(100):
                x = x + 0.01 * unet(x, torch.full((64,), k / 100.0, device=dev))
    figure(CUDA_FIGURES[4], median_seconds(sample, 3, sync) * 1e3, "ms")
    if args:
        if os.access(args[0], os.X_OK):
            out = subprocess.run([args[0]] + (["--tf32"] if tf32 else []), capture_output=True, text=True, check=True).stdout
            print("\nrill:\n" + out)
        else:  # the figures were printed when they were taken
            with open(args[0]) as f:
                out = f.read()
        rill = parse_figures(out)
        print()
        for label in CUDA_FIGURES:
            if label in rill and results.get(label):
                print(f"ratio rill / PyTorch, {label:<44}: {rill[label] / results[label]:.2f}")
            else:
                print(f"ratio rill / PyTorch, {label:<44}: (no rill figure)")


if __name__ == "__main__":
    if "--device" in sys.argv:
        i = sys.argv.index("--device")
        if sys.argv[i + 1] != "cuda":
            sys.exit("pytorch_reference.py: --device takes cuda (the CPU figures are the default)")
        main_cuda(sys.argv[1:i] + sys.argv[i + 2:])
    else:
        main()
