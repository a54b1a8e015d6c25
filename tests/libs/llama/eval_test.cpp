// Perplexity (sliding window vs hand-computed NLL), generation (greedy = argmax of full recomputation,
// seeded top-p), token-id files and the llama2.c tokenizer.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/llama/eval.h"
#include "labkit/llama/io.h"
#include "labkit/llama/tokenizer.h"
#include "run_command.h"
#include "test_paths.h"

using namespace labkit::llama;

namespace {
const Model& stories() {
  static Model m = load_llama2c(test::stories_path()).to(torch::kDouble);
  return m;
}
// NLL of tokens[score_from..] given their full prefix from `begin`.
double nll_range(const TokenStream& s, int64_t begin, int64_t end, int64_t score_from) {
  auto t = torch::tensor(TokenStream(s.begin() + begin, s.begin() + end), torch::kLong).unsqueeze(0);
  auto lp = torch::log_softmax(forward(stories(), t).squeeze(0), -1);
  double sum = 0;
  for (int64_t p = score_from; p < end; ++p) sum -= lp[p - begin - 1][s[p]].item<double>();
  return sum;
}
}  // namespace

TEST(Perplexity, DisjointAndSlidingWindowsMatchHandComputation) {
  torch::manual_seed(1);
  TokenStream s;
  auto r = torch::randint(0, 512, {50}, torch::kLong);
  for (int64_t i = 0; i < 50; ++i) s.push_back(r[i].item<int64_t>());
  // Disjoint windows of 16: [0,16) scores 1..15, [16,32) scores 17..31 (16 has no in-window context), ...
  auto d = perplexity(stories(), {s}, 16, 16);
  double want = nll_range(s, 0, 16, 1) + nll_range(s, 16, 32, 17) + nll_range(s, 32, 48, 33) + nll_range(s, 48, 50, 49);
  EXPECT_EQ(d.tokens, 15 + 15 + 15 + 1);
  EXPECT_NEAR(d.nll_sum, want, 1e-8);
  // Sliding window 20, stride 10: each window scores what the previous did not.
  auto sl = perplexity(stories(), {s}, 20, 10, nullptr, 3);
  double want_sl = nll_range(s, 0, 20, 1) + nll_range(s, 10, 30, 20) + nll_range(s, 20, 40, 30) +
                   nll_range(s, 30, 50, 40);
  EXPECT_EQ(sl.tokens, 49);
  EXPECT_NEAR(sl.nll_sum, want_sl, 1e-8);
  // A window covering the stream is plain full-context perplexity.
  auto full = perplexity(stories(), {s}, 64, 64);
  EXPECT_NEAR(full.nll_sum, nll_range(s, 0, 50, 1), 1e-8);
  EXPECT_NEAR(full.ppl(), std::exp(full.nll_sum / 49), 1e-9);
}

TEST(Generate, GreedyEqualsArgmaxOfFullRecomputation) {
  TokenStream prompt{1, 403, 407};
  GenerateOptions o;
  o.max_new_tokens = 12;
  o.temperature = 0;
  auto out = generate(stories(), prompt, o);
  ASSERT_EQ(out.size(), 12u);
  TokenStream seq = prompt;
  for (auto t : out) {
    auto logits = forward(stories(), torch::tensor(seq, torch::kLong).unsqueeze(0));
    EXPECT_EQ(logits[0][-1].argmax().item<int64_t>(), t);
    seq.push_back(t);
  }
}

TEST(Generate, TopPIsSeededAndRespectsNucleus) {
  GenerateOptions o;
  o.max_new_tokens = 20;
  o.top_p = 0.9;
  o.seed = 5;
  auto a = generate(stories(), {1}, o), b = generate(stories(), {1}, o);
  EXPECT_EQ(a, b);
  o.seed = 6;
  EXPECT_NE(a, generate(stories(), {1}, o));
  // top_p tiny -> only the most likely token survives: same as greedy.
  o.top_p = 1e-9;
  GenerateOptions g = o;
  g.temperature = 0;
  EXPECT_EQ(generate(stories(), {1, 403}, o), generate(stories(), {1, 403}, g));
}

TEST(TokenFiles, RoundTripAndErrors) {
  auto dir = labkit::test::fresh_temp_dir("llama_tokfiles");
  std::vector<TokenStream> s{{1, 2, 3}, {5, 511}};
  write_token_streams(dir + "/t.txt", s);
  EXPECT_EQ(read_token_streams(dir + "/t.txt", 512), s);
  try {
    read_token_streams(dir + "/t.txt", 100);
    FAIL();
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
}

TEST(Tokenizer, Llama2cTokenizerEncodesKnownIdsAndRoundTrips) {
  Llama2cTokenizer tok(test::tokenizer_path(), 32000);
  EXPECT_EQ(tok.vocab_size(), 32000);
  // llama2.c's documented example: "Once upon a time" -> BOS, ▁Once, ▁upon, ▁a, ▁time.
  EXPECT_EQ(tok.encode("Once upon a time", true), (TokenStream{1, 9038, 2501, 263, 931}));
  std::string text = "Ben loved to explore the world around him. Ünïcode ok!";
  EXPECT_EQ(tok.decode(tok.encode(text, true)), text);
  EXPECT_THROW(Llama2cTokenizer(test::stories_path(), 32000), labkit::InputError);
}

// Found by fuzz/llama2c_tokenizer_fuzz (reproducer data/fuzz_tokenizer_vocab_below_259.bin: first byte =
// vocabulary - 1, then the file): a vocabulary without the 256 byte tokens made encode() index past the
// pieces (std::length_error from garbage). Such a vocabulary is now refused when the tokenizer is read.
TEST(Tokenizer, Llama2cVocabularyWithoutByteTokensIsRefused) {
  const std::string bytes = labkit::read_file(std::string(LABKIT_SOURCE_DIR) + "/tests/libs/llama/data/fuzz_tokenizer_vocab_below_259.bin");
  const std::string path = ::testing::TempDir() + "/fuzz_tokenizer.bin";
  labkit::write_file_atomically(path, bytes.substr(1));
  const int64_t vocab = 1 + static_cast<unsigned char>(bytes[0]);
  ASSERT_LT(vocab, kLlama2cFirstPieces);
  try {
    Llama2cTokenizer tok(path, vocab);
    FAIL() << "accepted a vocabulary of " << vocab;
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("a llama2.c tokenizer has at least 259 (3 special and 256 byte tokens)"),
              std::string::npos) << e.what();
  }
}
