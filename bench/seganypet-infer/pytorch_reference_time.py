#!/usr/bin/python3
"""Seconds per 128^3 crop of the vit_b_ori image encoder in PyTorch (Debian python3-torch), computed the
upstream way (full attention over the padded 14^3 window), using the float32 re-implementation in
tests/libs/sammed3d/reference/sammed3d_reference.py with random weights. For a same-machine ratio against
seganypet-infer's encoder (bench.sh). Usage: pytorch_reference_time.py [threads...]"""
import os
import statistics
import sys
import time

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tests", "libs", "sammed3d", "reference"))
import sammed3d_reference as ref  # noqa: E402
from make_key_table import VIT_B_ORI  # noqa: E402
from make_parity_data import state_shapes  # noqa: E402

g = torch.Generator().manual_seed(0)
W = {k: torch.randn(v, generator=g) * 0.02 for k, v in state_shapes(VIT_B_ORI).items()}
x = torch.randn(1, 1, 128, 128, 128, generator=g)
for t in [int(a) for a in sys.argv[1:]] or [1, 2]:
    torch.set_num_threads(t)
    with torch.no_grad():
        ref.image_encoder(W, VIT_B_ORI, x)  # warm-up
        times = []
        for _ in range(2):
            s = time.perf_counter()
            ref.image_encoder(W, VIT_B_ORI, x)
            times.append(time.perf_counter() - s)
    print(f"pytorch reference vit_b_ori encoder threads={t}: {statistics.median(times):.2f} s/crop "
          f"(runs {', '.join(f'{v:.2f}' for v in times)})")
