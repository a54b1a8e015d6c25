#include "dedup.h"

#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <unordered_map>

#include "molecule_key.h"

namespace labkit::qo2mol_pack {

namespace {
constexpr std::size_t kSpillBuffer = 1 << 16;  // records (1 MiB) written at a time
constexpr int kBloomHashes = 4;

// Bit positions from one 64-bit fingerprint: double hashing (h1 + k*h2), the usual Bloom construction.
std::uint64_t bloom_bit(std::uint64_t fp, int k, std::uint64_t bits) {
  const std::uint64_t h1 = hash_mix(fp, 0x9e3779b97f4a7c15ULL), h2 = hash_mix(fp, 0xc2b2ae3d27d4eb4fULL) | 1;
  return (h1 + static_cast<std::uint64_t>(k) * h2) % bits;
}
}  // namespace

Deduplicator::Deduplicator(double tolerance, std::string spill_path, std::size_t bloom_bytes)
    : tol_(tolerance), spill_path_(std::move(spill_path)), bloom_(std::max<std::size_t>(bloom_bytes / 8, 1), 0) {
  spill_ = std::fopen(spill_path_.c_str(), "w+b");
  if (!spill_) throw std::runtime_error(spill_path_ + ": cannot create the duplicate-check spill file");
  buffer_.reserve(kSpillBuffer);
}

Deduplicator::~Deduplicator() {
  if (spill_) std::fclose(spill_);
  std::error_code ec;
  std::filesystem::remove(spill_path_, ec);
}

std::uint64_t Deduplicator::fingerprint(const PackedConformer& c) const {
  std::uint64_t h = hash_mix(hash_string(c.molecule_key), c.z.size());
  for (auto z : c.z) h = hash_mix(h, z);
  for (float x : c.positions) h = hash_mix(h, static_cast<std::uint64_t>(std::llround(static_cast<double>(x) / tol_)));
  return h;
}

void Deduplicator::flush_spill() {
  if (buffer_.empty()) return;
  if (std::fwrite(buffer_.data(), sizeof(Spilled), buffer_.size(), spill_) != buffer_.size())
    throw std::runtime_error(spill_path_ + ": write failed (disk full?)");
  buffer_.clear();
}

bool Deduplicator::add(const PackedConformer& c, std::int64_t index, std::int32_t source) {
  if (index != count_) throw std::logic_error("Deduplicator::add: conformers must come in index order");
  if (bloom_.empty()) throw std::logic_error("Deduplicator::add after resolve()");
  ++count_;
  const std::uint64_t fp = fingerprint(c);
  buffer_.push_back({fp, c.energy});
  if (buffer_.size() == kSpillBuffer) flush_spill();
  const std::uint64_t bits = bloom_.size() * 64;
  bool all_set = true;
  for (int k = 0; k < kBloomHashes; ++k) {
    const std::uint64_t b = bloom_bit(fp, k, bits);
    std::uint64_t& word = bloom_[b / 64];
    const std::uint64_t mask = std::uint64_t{1} << (b % 64);
    all_set = all_set && (word & mask);
    word |= mask;
  }
  if (all_set) candidates_.push_back({index, fp, c.energy, source, c.record, c.molecule_key});
  return all_set;
}

std::vector<Deduplicator::Duplicate> Deduplicator::resolve() {
  std::vector<std::uint64_t>().swap(bloom_);  // no more add() after this: free the filter
  std::vector<Duplicate> out;
  if (candidates_.empty()) return out;
  flush_spill();
  // Earliest index (and its energy) of every candidate fingerprint, from one pass over the spill file.
  struct First {
    std::int64_t index = -1;
    double energy = 0.0;
  };
  std::unordered_map<std::uint64_t, First> first;
  for (const auto& c : candidates_) first.emplace(c.fp, First{});
  std::rewind(spill_);
  std::vector<Spilled> block(kSpillBuffer);
  std::int64_t index = 0;
  while (true) {
    const std::size_t n = std::fread(block.data(), sizeof(Spilled), block.size(), spill_);
    for (std::size_t k = 0; k < n; ++k, ++index) {
      const auto it = first.find(block[k].fp);
      if (it != first.end() && it->second.index < 0) it->second = {index, block[k].energy};
    }
    if (n < block.size()) break;
  }
  if (index != count_) throw std::runtime_error(spill_path_ + ": spill file is short (disk full?)");
  for (auto& c : candidates_) {
    const First& f = first.at(c.fp);
    if (f.index < c.index) out.push_back({c.index, f.index, std::fabs(c.energy - f.energy), c.source, std::move(c.record),
                     std::move(c.molecule_key)});
  }
  candidates_.clear();
  return out;
}

}  // namespace labkit::qo2mol_pack
