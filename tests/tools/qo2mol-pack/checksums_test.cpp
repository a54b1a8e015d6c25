// SHA-256 and MD5 known answers (FIPS 180-4 / RFC 1321 test vectors) and the QO2Mol release table.
#include <gtest/gtest.h>

#include "release_checksums.h"
#include "digest.h"

using namespace labkit::qo2mol_pack;

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Md5, KnownAnswers) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex("The quick brown fox jumps over the lazy dog"), "9e107d9d372bb6826bd81d3542a419d6");
  EXPECT_EQ(md5_hex(std::string(1000000, 'a')), "7707d6ae4e027c70eea2a935c2296f21");
}

TEST(Md5, PublishedReleaseSums) {
  EXPECT_EQ(published_release_md5("QO2Mol26_Test.pkl", ""), "29cd9efdadb7b662e25ffbde2724707b");
  EXPECT_EQ(published_release_md5("my_own.pkl", "x"), "");
  // main_chunk_0 exists in v1.0 and v1.2 with different sums: either release matches.
  EXPECT_EQ(published_release_md5("QO2Mol_main_chunk_0.pkl", "222128639a15dc518aac3bac55131b32"), "222128639a15dc518aac3bac55131b32");
  EXPECT_EQ(published_release_md5("QO2Mol_main_chunk_0.pkl", "f236c2a54a3ac517943a86b878355341"), "f236c2a54a3ac517943a86b878355341");
}
