#include "labkit/llama/io.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/json_file.h"
#include "labkit/llama/llama2c_header.h"
#include "labkit/torchutil/tensor_files.h"

namespace fs = std::filesystem;

namespace labkit::llama {
namespace {

// llama2.c interleaved pairs (2i, 2i+1) -> HF halves (i, i + d/2), per head (HF's convert permute).
torch::Tensor permute_rope_rows(const torch::Tensor& w, int64_t heads) {
  const int64_t out = w.size(0), in = w.size(1), hd = out / heads;
  return w.view({heads, hd / 2, 2, in}).transpose(1, 2).reshape({out, in}).contiguous();
}

}  // namespace

Model load_llama2c(const std::string& path) {
  const Llama2cHeader header = read_llama2c_header(path);
  const Config& c = header.config;
  const int64_t n_floats = header.n_floats;
  const int64_t L = c.n_layers, D = c.dim, F = c.hidden, hd = c.head_dim;
  std::ifstream in(path, std::ios::binary);
  in.seekg(28);
  if (!in) throw input_error(path, "cannot open llama2.c checkpoint");
  auto all = torch::empty({n_floats}, torch::kFloat);
  in.read(reinterpret_cast<char*>(all.data_ptr<float>()), n_floats * 4);
  if (!in) throw input_error(path, "read failed");
  int64_t off = 0;
  auto take = [&](std::vector<int64_t> shape) {
    int64_t n = 1;
    for (auto s : shape) n *= s;
    auto t = all.narrow(0, off, n).view(shape);
    off += n;
    return t;
  };
  Model m;
  m.config = c;
  auto& W = m.weights;
  W["model.embed_tokens.weight"] = take({c.vocab, D});
  auto att_norm = take({L, D});
  auto wq = take({L, c.q_dim(), D});
  auto wk = take({L, c.kv_dim(), D});
  auto wv = take({L, c.kv_dim(), D});
  auto wo = take({L, D, c.q_dim()});
  auto ffn_norm = take({L, D});
  auto w1 = take({L, F, D});
  auto w2 = take({L, D, F});
  auto w3 = take({L, F, D});
  W["model.norm.weight"] = take({D});
  off += c.seq_len * hd;  // legacy freq_cis_real / imag tables, recomputed at run time
  if (!c.tied_embeddings) W["lm_head.weight"] = take({c.vocab, D});
  for (int64_t l = 0; l < L; ++l) {
    W[layer_key(l, "input_layernorm.weight")] = att_norm[l];
    W[layer_key(l, "self_attn.q_proj.weight")] = permute_rope_rows(wq[l], c.n_heads);
    W[layer_key(l, "self_attn.k_proj.weight")] = permute_rope_rows(wk[l], c.n_kv_heads);
    W[layer_key(l, "self_attn.v_proj.weight")] = wv[l];
    W[layer_key(l, "self_attn.o_proj.weight")] = wo[l];
    W[layer_key(l, "post_attention_layernorm.weight")] = ffn_norm[l];
    W[layer_key(l, "mlp.gate_proj.weight")] = w1[l];
    W[layer_key(l, "mlp.down_proj.weight")] = w2[l];
    W[layer_key(l, "mlp.up_proj.weight")] = w3[l];
  }
  for (auto& [k, t] : W) t = t.clone();  // own storage, independent of the read buffer
  return m;
}

Model load_hf(const std::string& path, torch::ScalarType dtype) {
  fs::path p(path);
  fs::path dir = fs::is_directory(p) ? p : p.parent_path();
  if (dir.empty()) dir = ".";
  const std::string config_path = (dir / "config.json").string();
  if (!fs::exists(config_path)) throw input_error(config_path, "missing (needed beside the safetensors weights)");
  Model m;
  m.config = read_hf_config(config_path);

  // Which files hold the tensors: name -> file.
  std::map<std::string, std::string> where;
  std::vector<std::string> files;
  fs::path index = fs::is_directory(p) ? dir / "model.safetensors.index.json" : p;
  if (fs::is_directory(p) && !fs::exists(index)) index = dir / "model.safetensors";
  if (index.extension() == ".json") {
    const nlohmann::json j = read_json_file(index.string(), "the safetensors index");
    if (!j.contains("weight_map") || !j["weight_map"].is_object())
      throw input_error(index.string(), "no \"weight_map\" object");
    std::set<std::string> uniq;
    for (auto& [name, file] : j["weight_map"].items()) {
      where[name] = (dir / file.get<std::string>()).string();
      uniq.insert(where[name]);
    }
    files.assign(uniq.begin(), uniq.end());
  } else {
    if (!fs::exists(index)) throw input_error(index.string(), "missing (no model.safetensors or index)");
    files.push_back(index.string());
  }
  std::map<std::string, std::string> origin;
  for (const auto& f : files) {
    if (!fs::exists(f)) throw input_error(f, "shard named in the index does not exist");
    for (auto& [name, t] : torchutil::load_safetensors(f)) {
      if (!where.empty() && where.count(name) && where[name] != f)
        throw input_error(f, "tensor \"" + name + "\" is mapped to " + where[name] + " in the index");
      origin[name] = f;
      m.weights[name] = t.is_floating_point() ? t.to(dtype).clone() : t.clone();
    }
  }
  for (const auto& [name, f] : where)
    if (!m.weights.count(name)) throw input_error(f, "index lists tensor \"" + name + "\" but the shard lacks it");
  const std::string source = files.size() == 1 ? files[0] : index.string();
  // Many HF checkpoints keep lm_head even when tied; drop it so the tied path is used.
  if (m.config.tied_embeddings) m.weights.erase("lm_head.weight");
  check_weights(m.config, m.weights, source);
  // Online rotations live beside the plain weights (see save_hf); W_down gets its rotation back so that
  // forward's x·H before down_proj is an equivalence again.
  if (m.config.online_had_down || m.config.online_had_qk) {
    const auto side = (dir / kOnlineRotationsFile).string();
    if (!fs::exists(side)) throw input_error(side, "missing (config.json's labkit_online_hadamard needs it)");
    auto rot = torchutil::load_safetensors(side);
    auto take = [&](const char* key, int64_t n, torch::Tensor& dst) {
      auto it = rot.find(key);
      if (it == rot.end()) throw input_error(side, std::string("no tensor \"") + key + "\"");
      if (it->second.sizes() != c10::IntArrayRef({n, n}))
        throw input_error(side, std::string("tensor \"") + key + "\" must be " + std::to_string(n) + "x" + std::to_string(n));
      dst = it->second.to(dtype);
    };
    if (m.config.online_had_down) {
      take("down", m.config.hidden, m.online_down);
      for (int64_t l = 0; l < m.config.n_layers; ++l) {
        auto& w = m.weights[layer_key(l, "mlp.down_proj.weight")];
        w = torch::matmul(w.to(torch::kDouble), m.online_down.to(torch::kDouble)).to(dtype);
      }
    }
    if (m.config.online_had_qk) take("qk", m.config.head_dim, m.online_qk);
  }
  return m;
}

Model load_model(const std::string& path, torch::ScalarType dtype) {
  fs::path p(path);
  if (!fs::exists(p)) throw input_error(path, "does not exist");
  if (fs::is_directory(p) || p.extension() == ".safetensors" || p.extension() == ".json") return load_hf(path, dtype);
  return load_llama2c(path).to(dtype);
}

void save_hf(const Model& model, const std::string& dir, torch::ScalarType dtype) {
  fs::create_directories(dir);
  TensorMap out;
  for (const auto& [k, t] : model.weights) out[k] = t.detach().to(torch::kCPU).contiguous();
  const auto& c = model.config;
  if (c.online_had_down || c.online_had_qk) {
    // model.safetensors stays a plain LLaMA (what transformers runs): W_down·Hᵀ undoes the fused online
    // rotation (H orthogonal), and the Q/K rotation cancels in q·kᵀ. The rotations go to a side file.
    TensorMap rot;
    if (c.online_had_down) {
      auto H = model.online_down.detach().to(torch::kCPU, torch::kDouble);
      rot["down"] = H.to(dtype);
      for (int64_t l = 0; l < c.n_layers; ++l) {
        auto& w = out[layer_key(l, "mlp.down_proj.weight")];
        w = torch::matmul(w.to(torch::kDouble), H.t());
      }
    }
    if (c.online_had_qk) rot["qk"] = model.online_qk.detach().to(torch::kCPU, dtype);
    torchutil::save_safetensors((fs::path(dir) / kOnlineRotationsFile).string(), rot, {{"format", "pt"}});
  }
  for (auto& [k, t] : out) t = t.to(dtype).contiguous();
  torchutil::save_safetensors((fs::path(dir) / "model.safetensors").string(), out, {{"format", "pt"}});
  auto j = config_to_hf_json(c);
  j["torch_dtype"] = dtype == torch::kBFloat16 ? "bfloat16" : (dtype == torch::kHalf ? "float16" : "float32");
  write_file_atomically((fs::path(dir) / "config.json").string(), j.dump(2) + "\n");
}

}  // namespace labkit::llama
