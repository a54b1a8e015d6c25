#!/usr/bin/python3
"""Writes data/vit_b_ori_keys.json: the upstream state_dict names and shapes of SAM-Med3D vit_b_ori
(from make_parity_data.state_shapes), which the C++ model must reproduce exactly."""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_parity_data import state_shapes  # noqa: E402

VIT_B_ORI = dict(img_size=128, patch_size=16, in_chans=1, embed_dim=768, depth=12, num_heads=12, mlp_dim=3072,
                 window_size=14, global_attn_indexes=[2, 5, 8, 11], out_chans=384, mask_in_chans=16,
                 decoder_depth=2, decoder_heads=8, decoder_mlp_dim=2048, attention_downsample_rate=2,
                 num_multimask_outputs=3, iou_head_depth=3, iou_head_hidden_dim=256)

if __name__ == "__main__":
    s = state_shapes(VIT_B_ORI)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "vit_b_ori_keys.json")
    with open(path, "w") as f:
        json.dump(dict(sorted(s.items())), f, indent=0)
    print(len(s), "keys,", sum(math.prod(v) for v in s.values()), "values")
