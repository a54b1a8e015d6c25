// SHA-256 and MD5 digests (lower-case hex) through OpenSSL's EVP interface: Debian's libssl, made for
// the job, instead of hand-written hash code. Files are streamed in 1 MiB blocks.
#pragma once

#include <string>

namespace labkit::qo2mol_pack {

std::string sha256_hex(const std::string& bytes);
std::string sha256_file(const std::string& path);  // InputError if unreadable
std::string md5_hex(const std::string& bytes);
std::string md5_file(const std::string& path);  // InputError if unreadable

}  // namespace labkit::qo2mol_pack
