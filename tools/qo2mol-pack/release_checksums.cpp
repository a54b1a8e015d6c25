#include "release_checksums.h"

#include <map>

namespace labkit::qo2mol_pack {
namespace {

const std::multimap<std::string, std::string>& table() {
  static const std::multimap<std::string, std::string> t = {
      {"QO2Mol26_Train_chunk0.pkl", "c69d573573101716666e84a0fc512ff7"},
      {"QO2Mol26_Train_chunk1.pkl", "639ddbf9233137b70af0680887f9d8f3"},
      {"QO2Mol26_Train_chunk2.pkl", "935e0db411847f34e9244c8736fec956"},
      {"QO2Mol26_Train_chunk3.pkl", "fdf604bcc9068dfcd2c91aecae07d693"},
      {"QO2Mol26_Train_chunk4.pkl", "50d06acf49e6c5e54c6b5f511b89d036"},
      {"QO2Mol26_Train_chunk5.pkl", "2bd9ee536c2af43278c0ec85c2e00d3f"},
      {"QO2Mol26_Train_chunk6.pkl", "d5b3f748087495624b11bfb497af964c"},
      {"QO2Mol26_Train_chunk7.pkl", "d6e826e0a4b3f868ad6df462431cf7d6"},
      {"QO2Mol26_Train_chunk8.pkl", "8cabd344975277417c572a9bfc4fc03d"},
      {"QO2Mol26_Test.pkl", "29cd9efdadb7b662e25ffbde2724707b"},
      {"QO2Mol26_OOD_medium.pkl", "a5cb456be054bb9f7a0ceba0a1d5da76"},
      {"QO2Mol26_OOD_large.pkl", "2a553f21d566dd733569b75c0e3a716b"},
      // v1.2.0
      {"QO2Mol_main_chunk_0.pkl", "f236c2a54a3ac517943a86b878355341"},
      {"QO2Mol_main_chunk_1.pkl", "4066a792c02a65807ed810f0bbc30a95"},
      {"QO2Mol_main_chunk_2.pkl", "44f253a4b4af5bd24205e93702694af7"},
      {"QO2Mol_main_chunk_3.pkl", "bf83dd704ae72bea77ba226515f879a1"},
      {"QO2Mol_main_chunk_4.pkl", "72808f9e68a2936d6a929d0d98e9b242"},
      {"QO2Mol_main_chunk_5.pkl", "47d99f443559b92b9ceab7913be17739"},
      {"QO2Mol_main_chunk_6.pkl", "326274f0897d9da06853a4b8f69184af"},
      {"QO2Mol_main_chunk_7.pkl", "64235137d7769f0513e5a1e38794ff5d"},
      {"QO2Mol_main_chunk_8.pkl", "dd57ef68bc5a018e14cf0104aea40263"},
      {"QO2Mol_main_chunk_9.pkl", "aee30e1659db6ee254cf8793e4d47c3e"},
      {"QO2Mol_thermo.pkl", "9300a83a1fe60c8c2da62c6481f4535f"},
      // v1.1.0
      {"QO2Mol_set_b.pkl", "9c436796dff21b72fe0e864db007fd7f"},
      {"QO2Mol_set_c.pkl", "6c676c32c751d2288fe6b76d640a0e40"},
      // v1.0.0
      {"QO2Mol_main_chunk_0.pkl", "222128639a15dc518aac3bac55131b32"},
      {"QO2Mol_main_chunk_1.pkl", "00416f075bc8d39f3363b002c783dc3c"},
      {"QO2Mol_main_chunk_2.pkl", "46d703efe612bde759403b966212e911"},
      {"QO2Mol_main_chunk_3.pkl", "570f126a7ed8417c50dce1a3f11b4e79"},
      {"QO2Mol_main_chunk_4.pkl", "3693733dc577e16d6a79944de73a2a89"},
      {"QO2Mol_main_chunk_5.pkl", "bd040b653650634e0d005304902dd6fc"},
      {"QO2Mol_main_chunk_6.pkl", "08949f1a3864da11902cd53cb26579d9"},
      {"QO2Mol_main_chunk_7.pkl", "872dfa1de7e63195270a88822a6b365f"},
      {"QO2Mol_main_chunk_8.pkl", "403bdac41f6b657a449c7415199fed5e"},
      {"QO2Mol_main_chunk_9.pkl", "6a97c5d0a3d497257e6a48b52e4e7542"},
  };
  return t;
}

}  // namespace

std::string published_release_md5(const std::string& file_name, const std::string& md5) {
  const auto [b, e] = table().equal_range(file_name);
  if (b == e) return "";
  for (auto it = b; it != e; ++it)
    if (it->second == md5) return it->second;
  return b->second;  // a known name with another sum: the caller reports the mismatch
}

}  // namespace labkit::qo2mol_pack
