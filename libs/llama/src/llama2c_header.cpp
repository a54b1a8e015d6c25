#include "labkit/llama/llama2c_header.h"

#include <filesystem>
#include <fstream>

#include "labkit/core/error.h"

namespace fs = std::filesystem;

namespace labkit::llama {

Llama2cHeader read_llama2c_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path, "cannot open llama2.c checkpoint");
  int32_t h[7];
  in.read(reinterpret_cast<char*>(h), sizeof(h));
  if (!in) throw input_error(path, "shorter than the 28-byte llama2.c header");
  Config c;
  c.dim = h[0];
  c.hidden = h[1];
  c.n_layers = h[2];
  c.n_heads = h[3];
  c.n_kv_heads = h[4];
  c.vocab = h[5] < 0 ? -int64_t{h[5]} : h[5];
  c.tied_embeddings = h[5] > 0;
  c.seq_len = h[6];
  c.head_dim = c.n_heads > 0 ? c.dim / c.n_heads : 0;
  c.rope_theta = 10000.0;
  c.norm_eps = 1e-5;
  c.validate(path);
  if (c.dim % c.n_heads != 0) throw input_error(path, "dim is not a multiple of n_heads");
  const int64_t L = c.n_layers, D = c.dim, F = c.hidden, hd = c.head_dim;
  const int64_t n_floats = c.vocab * D + L * D + L * D * c.q_dim() + 2 * L * D * c.kv_dim() + L * c.q_dim() * D +
                           L * D + 3 * L * D * F + D + c.seq_len * hd + (c.tied_embeddings ? 0 : c.vocab * D);
  const auto size = static_cast<int64_t>(fs::file_size(path));
  if (size != 28 + 4 * n_floats)
    throw input_error(path, "file has " + std::to_string(size) + " bytes but its header (dim " + std::to_string(D) +
                                ", hidden " + std::to_string(F) + ", layers " + std::to_string(L) + ", vocab " +
                                std::to_string(c.vocab) + ") implies " + std::to_string(28 + 4 * n_floats));
  return {c, n_floats};
}

}  // namespace labkit::llama
