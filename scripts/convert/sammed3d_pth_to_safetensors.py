#!/usr/bin/python3
"""Convert an official SAM-Med3D-family .pth checkpoint (SAM-Med3D, SAM-Med3D-turbo, SegAnyPET; vit_b_ori)
to the safetensors file seganypet-infer and labkit::sammed3d load.

    /usr/bin/python3 scripts/convert/sammed3d_pth_to_safetensors.py sam_med3d_turbo.pth sam_med3d_turbo.safetensors

Needs PyTorch (Debian: apt-get install python3-torch). The .pth is a pickled dict with the weights under
"model_state_dict" (a bare state_dict is accepted too); it also pickles argparse.Namespace and optimizer
state, so it is loaded with weights_only=False: convert only files you trust. A "module." prefix (DDP) is
removed; non-persistent buffers (pixel_mean/pixel_std) are dropped. All tensors are written as float32
under the upstream state_dict names, with the model config in the metadata key "sammed3d_config".
The C++ loader then checks every name and shape."""
import argparse
import json
import os
import struct
import sys

import torch

VIT_B_ORI = dict(img_size=128, patch_size=16, in_chans=1, embed_dim=768, depth=12, num_heads=12, mlp_dim=3072,
                 window_size=14, global_attn_indexes=[2, 5, 8, 11], out_chans=384, mask_in_chans=16,
                 decoder_depth=2, decoder_heads=8, decoder_mlp_dim=2048, attention_downsample_rate=2,
                 num_multimask_outputs=3, iou_head_depth=3, iou_head_hidden_dim=256)
DROP = ("pixel_mean", "pixel_std")


def state_dict_of(obj, path):
    if isinstance(obj, dict) and "model_state_dict" in obj:
        obj = obj["model_state_dict"]
    elif isinstance(obj, dict) and "state_dict" in obj:
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not obj or not all(torch.is_tensor(v) for v in obj.values()):
        sys.exit(f"{path}: no state_dict found (expected a dict with 'model_state_dict' or a dict of tensors)")
    out = {}
    for k, v in obj.items():
        k = k[len("module."):] if k.startswith("module.") else k
        if k in DROP:
            continue
        out[k] = v.detach().to(torch.float32).contiguous().cpu()
    return out


def write_safetensors(path, tensors, metadata):
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        b = tensors[name].numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pth")
    ap.add_argument("safetensors")
    ap.add_argument("--config", help="JSON file of model sizes (default: vit_b_ori)")
    a = ap.parse_args()
    cfg = VIT_B_ORI if a.config is None else json.load(open(a.config))
    try:
        obj = torch.load(a.pth, map_location="cpu", weights_only=False)
    except TypeError:  # PyTorch < 1.13 has no weights_only
        obj = torch.load(a.pth, map_location="cpu")
    sd = state_dict_of(obj, a.pth)
    write_safetensors(a.safetensors, sd, {"sammed3d_config": json.dumps(cfg), "source": os.path.basename(a.pth)})
    n = sum(v.numel() for v in sd.values())
    print(f"{a.safetensors}: {len(sd)} tensors, {n} values")


if __name__ == "__main__":
    main()
