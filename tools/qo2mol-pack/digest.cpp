#include "digest.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include "labkit/core/error.h"

namespace labkit::qo2mol_pack {
namespace {

class Digest {
 public:
  explicit Digest(const EVP_MD* md) : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md, nullptr) != 1) throw std::runtime_error("OpenSSL digest init failed");
  }
  void update(const void* data, std::size_t n) {
    if (EVP_DigestUpdate(ctx_.get(), data, n) != 1) throw std::runtime_error("OpenSSL digest update failed");
  }
  std::string hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), out, &n) != 1) throw std::runtime_error("OpenSSL digest final failed");
    static const char* kHex = "0123456789abcdef";
    std::string s(2 * n, '0');
    for (unsigned i = 0; i < n; ++i) {
      s[2 * i] = kHex[out[i] >> 4];
      s[2 * i + 1] = kHex[out[i] & 15];
    }
    return s;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

std::string of_bytes(const EVP_MD* md, const std::string& bytes) {
  Digest d(md);
  d.update(bytes.data(), bytes.size());
  return d.hex();
}

std::string of_file(const EVP_MD* md, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path, "cannot open for checksumming");
  Digest d(md);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    d.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw input_error(path, "read error while checksumming");
  return d.hex();
}

}  // namespace

std::string sha256_hex(const std::string& bytes) { return of_bytes(EVP_sha256(), bytes); }
std::string sha256_file(const std::string& path) { return of_file(EVP_sha256(), path); }
std::string md5_hex(const std::string& bytes) { return of_bytes(EVP_md5(), bytes); }
std::string md5_file(const std::string& path) { return of_file(EVP_md5(), path); }

}  // namespace labkit::qo2mol_pack
