#!/usr/bin/python3
"""Independent float64 reference of the SAM-Med3D forward pass (image encoder, prompt encoder, mask
decoder) written from the upstream module structure, in upstream's own tensor idioms (window
partition, None-indexed relative-position add, cumsum grids), on plain tensors keyed by state_dict
names. make_parity_data.py uses it to produce tests/libs/sammed3d/data/parity_tiny.safetensors.
Needs /usr/bin/python3 with python3-torch (Debian); not used by CI."""
import math

import torch
import torch.nn.functional as F


def linear(W, name, x):
    return F.linear(x, W[name + ".weight"], W.get(name + ".bias"))


def layer_norm(W, name, x, eps):
    return F.layer_norm(x, (x.shape[-1],), W[name + ".weight"], W[name + ".bias"], eps)


def layer_norm3d(W, name, x, eps=1e-6):
    u = x.mean(1, keepdim=True)
    s = (x - u).pow(2).mean(1, keepdim=True)
    x = (x - u) / torch.sqrt(s + eps)
    return W[name + ".weight"][:, None, None, None] * x + W[name + ".bias"][:, None, None, None]


# ---------------------------------------------------------------- image encoder
def get_rel_pos(q_size, k_size, rel_pos):
    assert rel_pos.shape[0] == 2 * max(q_size, k_size) - 1
    q_coords = torch.arange(q_size)[:, None] * max(k_size / q_size, 1.0)
    k_coords = torch.arange(k_size)[None, :] * max(q_size / k_size, 1.0)
    rel = (q_coords - k_coords) + (k_size - 1) * max(q_size / k_size, 1.0)
    return rel_pos[rel.long()]


def add_decomposed_rel_pos(attn, q, rd, rh, rw, q_size, k_size):
    q_d, q_h, q_w = q_size
    k_d, k_h, k_w = k_size
    Rd, Rh, Rw = get_rel_pos(q_d, k_d, rd), get_rel_pos(q_h, k_h, rh), get_rel_pos(q_w, k_w, rw)
    B, _, dim = q.shape
    r_q = q.reshape(B, q_d, q_h, q_w, dim)
    rel_d = torch.einsum("bdhwc,dkc->bdhwk", r_q, Rd)
    rel_h = torch.einsum("bdhwc,hkc->bdhwk", r_q, Rh)
    rel_w = torch.einsum("bdhwc,wkc->bdhwk", r_q, Rw)
    attn = (attn.view(B, q_d, q_h, q_w, k_d, k_h, k_w) + rel_d[:, :, :, :, None, None]
            + rel_h[:, :, :, None, :, None] + rel_w[:, :, :, None, None, :])
    return attn.view(B, q_d * q_h * q_w, k_d * k_h * k_w)


def vit_attention(W, name, x, heads):
    B, D, H, Wd, _ = x.shape
    qkv = linear(W, name + ".qkv", x).reshape(B, D * H * Wd, 3, heads, -1).permute(2, 0, 3, 1, 4)
    q, k, v = qkv.reshape(3, B * heads, D * H * Wd, -1).unbind(0)
    scale = q.shape[-1] ** -0.5
    attn = (q * scale) @ k.transpose(-2, -1)
    attn = add_decomposed_rel_pos(attn, q, W[name + ".rel_pos_d"], W[name + ".rel_pos_h"], W[name + ".rel_pos_w"],
                                  (D, H, Wd), (D, H, Wd))
    attn = attn.softmax(dim=-1)
    x = (attn @ v).view(B, heads, D, H, Wd, -1).permute(0, 2, 3, 4, 1, 5).reshape(B, D, H, Wd, -1)
    return linear(W, name + ".proj", x)


def window_partition(x, ws):
    B, D, H, Wd, C = x.shape
    pd, ph, pw = (ws - D % ws) % ws, (ws - H % ws) % ws, (ws - Wd % ws) % ws
    if pd > 0 or ph > 0 or pw > 0:
        x = F.pad(x, (0, 0, 0, pw, 0, ph, 0, pd))
    Dp, Hp, Wp = D + pd, H + ph, Wd + pw
    x = x.view(B, Dp // ws, ws, Hp // ws, ws, Wp // ws, ws, C)
    return x.permute(0, 1, 3, 5, 2, 4, 6, 7).contiguous().view(-1, ws, ws, ws, C), (Dp, Hp, Wp)


def window_unpartition(win, ws, pad_dhw, dhw):
    Dp, Hp, Wp = pad_dhw
    D, H, Wd = dhw
    B = win.shape[0] // (Dp * Hp * Wp // ws // ws // ws)
    x = win.view(B, Dp // ws, Hp // ws, Wp // ws, ws, ws, ws, -1)
    x = x.permute(0, 1, 4, 2, 5, 3, 6, 7).contiguous().view(B, Dp, Hp, Wp, -1)
    return x[:, :D, :H, :Wd, :].contiguous()


def image_encoder(W, cfg, img):
    p = "image_encoder."
    x = F.conv3d(img, W[p + "patch_embed.proj.weight"], W[p + "patch_embed.proj.bias"], stride=cfg["patch_size"])
    x = x.permute(0, 2, 3, 4, 1) + W[p + "pos_embed"]
    for i in range(cfg["depth"]):
        b = p + "blocks.%d." % i
        ws = 0 if i in cfg["global_attn_indexes"] else cfg["window_size"]
        shortcut = x
        h = layer_norm(W, b + "norm1", x, 1e-6)
        if ws > 0:
            D, H, Wd = h.shape[1:4]
            h, pad = window_partition(h, ws)
        h = vit_attention(W, b + "attn", h, cfg["num_heads"])
        if ws > 0:
            h = window_unpartition(h, ws, pad, (D, H, Wd))
        x = shortcut + h
        m = layer_norm(W, b + "norm2", x, 1e-6)
        x = x + linear(W, b + "mlp.lin2", F.gelu(linear(W, b + "mlp.lin1", m)))
    x = x.permute(0, 4, 1, 2, 3)
    x = layer_norm3d(W, p + "neck.1", F.conv3d(x, W[p + "neck.0.weight"]))
    x = layer_norm3d(W, p + "neck.3", F.conv3d(x, W[p + "neck.2.weight"], padding=1))
    return x


# ---------------------------------------------------------------- prompt encoder
def pe_encoding(W, coords):
    coords = 2 * coords - 1
    coords = coords @ W["prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"]
    coords = 2 * math.pi * coords
    return torch.cat([torch.sin(coords), torch.cos(coords), torch.sin(coords)], dim=-1)


def dense_pe(W, size):
    x, y, z = size
    grid = torch.ones((x, y, z), dtype=torch.float64)
    y_embed = (grid.cumsum(dim=0) - 0.5) / y
    x_embed = (grid.cumsum(dim=1) - 0.5) / x
    z_embed = (grid.cumsum(dim=2) - 0.5) / z
    pe = pe_encoding(W, torch.stack([x_embed, y_embed, z_embed], dim=-1))
    return pe.permute(3, 0, 1, 2).unsqueeze(0)


def embed_points(W, points, labels, img_size):
    points = points + 0.5
    points = torch.cat([points, torch.zeros((points.shape[0], 1, 3), dtype=points.dtype)], dim=1)
    labels = torch.cat([labels, -torch.ones((labels.shape[0], 1), dtype=labels.dtype)], dim=1)
    coords = points.clone()
    for a in range(3):
        coords[:, :, a] = coords[:, :, a] / img_size
    pe = pe_encoding(W, coords)
    pe[labels == -1] = 0.0
    pe[labels == -1] += W["prompt_encoder.not_a_point_embed.weight"]
    pe[labels == 0] += W["prompt_encoder.point_embeddings.0.weight"]
    pe[labels == 1] += W["prompt_encoder.point_embeddings.1.weight"]
    return pe


def embed_masks(W, masks):
    p = "prompt_encoder.mask_downscaling."
    x = F.conv3d(masks, W[p + "0.weight"], W[p + "0.bias"], stride=2)
    x = F.gelu(layer_norm3d(W, p + "1", x))
    x = F.conv3d(x, W[p + "3.weight"], W[p + "3.bias"], stride=2)
    x = F.gelu(layer_norm3d(W, p + "4", x))
    return F.conv3d(x, W[p + "6.weight"], W[p + "6.bias"])


# ---------------------------------------------------------------- mask decoder
def token_attention(W, name, q, k, v, heads):
    q, k, v = linear(W, name + ".q_proj", q), linear(W, name + ".k_proj", k), linear(W, name + ".v_proj", v)

    def sep(x):
        b, n, c = x.shape
        return x.reshape(b, n, heads, c // heads).transpose(1, 2)

    q, k, v = sep(q), sep(k), sep(v)
    attn = (q @ k.permute(0, 1, 3, 2)) / math.sqrt(q.shape[-1])
    out = torch.softmax(attn, dim=-1) @ v
    b, h, n, c = out.shape
    return linear(W, name + ".out_proj", out.transpose(1, 2).reshape(b, n, h * c))


def two_way_transformer(W, cfg, image, image_pe, tokens):
    t = "mask_decoder.transformer."
    heads = cfg["decoder_heads"]
    keys = image.flatten(2).permute(0, 2, 1)
    key_pe = image_pe.flatten(2).permute(0, 2, 1)
    queries = tokens
    for i in range(cfg["decoder_depth"]):
        L = t + "layers.%d." % i
        if i == 0:
            queries = token_attention(W, L + "self_attn", queries, queries, queries, heads)
        else:
            q = queries + tokens
            queries = queries + token_attention(W, L + "self_attn", q, q, queries, heads)
        queries = layer_norm(W, L + "norm1", queries, 1e-5)
        q, k = queries + tokens, keys + key_pe
        queries = layer_norm(W, L + "norm2", queries + token_attention(W, L + "cross_attn_token_to_image", q, k, keys, heads), 1e-5)
        mlp = linear(W, L + "mlp.lin2", F.relu(linear(W, L + "mlp.lin1", queries)))
        queries = layer_norm(W, L + "norm3", queries + mlp, 1e-5)
        q, k = queries + tokens, keys + key_pe
        keys = layer_norm(W, L + "norm4", keys + token_attention(W, L + "cross_attn_image_to_token", k, q, queries, heads), 1e-5)
    q, k = queries + tokens, keys + key_pe
    queries = queries + token_attention(W, t + "final_attn_token_to_image", q, k, keys, heads)
    return layer_norm(W, t + "norm_final_attn", queries, 1e-5), keys


def mlp_head(W, name, x, n):
    for i in range(n):
        x = linear(W, name + ".layers.%d" % i, x)
        if i < n - 1:
            x = F.relu(x)
    return x


def mask_decoder(W, cfg, emb, pe, sparse, dense, multimask):
    d = "mask_decoder."
    nmt = cfg["num_multimask_outputs"] + 1
    out_tokens = torch.cat([W[d + "iou_token.weight"], W[d + "mask_tokens.weight"]], dim=0)
    tokens = torch.cat((out_tokens.unsqueeze(0).expand(sparse.size(0), -1, -1), sparse), dim=1)
    src = emb + dense
    b, c, x, y, z = src.shape
    hs, src = two_way_transformer(W, cfg, src, pe, tokens)
    src = src.transpose(1, 2).view(b, c, x, y, z)
    u = "mask_decoder.output_upscaling."
    up = F.conv_transpose3d(src, W[u + "0.weight"], W[u + "0.bias"], stride=2)
    up = F.gelu(layer_norm3d(W, u + "1", up))
    up = F.gelu(F.conv_transpose3d(up, W[u + "3.weight"], W[u + "3.bias"], stride=2))
    hyper = torch.stack([mlp_head(W, d + "output_hypernetworks_mlps.%d" % i, hs[:, 1 + i, :], 3) for i in range(nmt)], dim=1)
    b, c, x, y, z = up.shape
    masks = (hyper @ up.view(b, c, x * y * z)).view(b, -1, x, y, z)
    iou = mlp_head(W, d + "iou_prediction_head", hs[:, 0, :], cfg["iou_head_depth"])
    sl = slice(1, None) if multimask else slice(0, 1)
    return masks[:, sl], iou[:, sl]


def predict(W, cfg, emb, points, labels, mask_prompt, multimask=False):
    sparse = embed_points(W, points, labels, cfg["img_size"])
    dense = embed_masks(W, mask_prompt)
    g = cfg["img_size"] // cfg["patch_size"]
    return mask_decoder(W, cfg, emb, dense_pe(W, (g, g, g)), sparse, dense, multimask)
