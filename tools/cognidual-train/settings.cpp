#include "settings.h"

#include <algorithm>

#include "labkit/core/settings.h"

namespace labkit::cognidual_train {

nlohmann::json default_config() {
  auto plan = [](int64_t steps, int64_t batch, double lr, int64_t warmup) {
    return nlohmann::json{{"steps", steps},        {"batch_size", batch},  {"accumulation_steps", 1},
                          {"lr", lr},              {"min_lr_ratio", 0.1},  {"warmup_steps", warmup},
                          {"weight_decay", 0.05},  {"grad_clip", 1.0},     {"checkpoint_every", 200},
                          // "bf16": forward under bfloat16 autocast, float32 master weights (llama Trainer)
                          {"precision", "fp32"}};
  };
  return {
      {"tasks",
       {{"families", {"addition", "multiplication", "word", "ordering", "syllogism"}},
        {"difficulty", {{"addition", 3}, {"multiplication", 3}, {"word", 2}, {"ordering", 4}, {"syllogism", 3}}},
        {"test_questions", 50},
        {"train_questions", 1500},
        {"unlabeled_questions", 400}}},
      {"model", {{"dim", 96}, {"hidden", 256}, {"layers", 3}, {"heads", 4}, {"kv_heads", 4}, {"seq_len", 160}}},
      {"train", plan(2000, 32, 3e-3, 100)},
      {"direct_fraction", 0.1},
      {"self_train",
       {{"sizes", {50, 200, 400}},
        {"filter", "labels"},
        {"samples", 4},
        {"temperature", 0.7},
        {"top_p", 0.95},
        {"min_agreement", 0.5},
        {"replay", 1.0},
        {"train", plan(400, 32, 1e-3, 20)},
        // rank 0: fine-tune every weight; rank >= 1: LoRA adapters only (saved in PEFT's layout too).
        {"lora", {{"rank", 0}, {"alpha", 16}, {"targets", {"q_proj", "k_proj", "v_proj", "o_proj"}}}}}},
      {"eval", {{"max_cot_tokens", 96}, {"max_direct_tokens", 16}}},
      // bytes: one token per character; spm: a SentencePiece BPE trained by spm_train on the training texts.
      {"tokenizer", {{"kind", "bytes"}, {"vocab_size", 384}}},
  };
}

namespace {

TrainPlan plan_from(const labkit::Config& c, const std::string& p) {
  TrainPlan t;
  t.steps = int_in(c, p + ".steps", 1, 10'000'000);
  t.batch_size = int_in(c, p + ".batch_size", 1, 65536);
  t.accumulation_steps = int_in(c, p + ".accumulation_steps", 1, 4096);
  if (t.batch_size % t.accumulation_steps != 0)
    throw config_error(p + ".accumulation_steps", "must divide " + p + ".batch_size (" + std::to_string(t.batch_size) + ")");
  t.lr = number_in(c, p + ".lr", 1e-8, 1.0);
  t.min_lr_ratio = number_in(c, p + ".min_lr_ratio", 0, 1);
  t.warmup_steps = int_in(c, p + ".warmup_steps", 0, t.steps);
  t.weight_decay = number_in(c, p + ".weight_decay", 0, 10);
  t.grad_clip = number_in(c, p + ".grad_clip", 0, 1e6);
  t.checkpoint_every = int_in(c, p + ".checkpoint_every", 1, 10'000'000);
  t.bf16 = one_of(c, p + ".precision", {"fp32", "bf16"}) == "bf16";
  return t;
}

}  // namespace

Settings Settings::from_config(const labkit::Config& c) {
  Settings s;
  const auto& fam = c.at("tasks.families");
  if (!fam.is_array() || fam.empty()) throw config_error("tasks.families", "must be a non-empty list");
  for (size_t i = 0; i < fam.size(); ++i) {
    const std::string key = "tasks.families[" + std::to_string(i) + "]";
    if (!fam[i].is_string()) throw config_error(key, "must be a family name");
    const auto f = fam[i].get<std::string>();
    bool known = false;
    for (const auto& g : generated_families()) known |= g == f;
    if (!known) throw config_error(key, "\"" + f + "\" is not one of addition, multiplication, word, ordering, syllogism");
    for (const auto& g : s.families)
      if (g == f) throw config_error(key, "\"" + f + "\" is listed twice");
    s.families.push_back(f);
  }
  const std::map<std::string, std::pair<int, int>> range{
      {"addition", {1, 12}}, {"multiplication", {1, 12}}, {"word", {1, 8}}, {"ordering", {3, 6}}, {"syllogism", {2, 5}}};
  for (const auto& [f, r] : range)
    s.difficulty[f] = static_cast<int>(int_in(c, "tasks.difficulty." + f, r.first, r.second));
  s.questions.test = int_in(c, "tasks.test_questions", 1, 100000);
  s.questions.train = int_in(c, "tasks.train_questions", 1, 1000000);
  s.questions.unlabeled = int_in(c, "tasks.unlabeled_questions", 1, 1000000);

  s.model = nlohmann::json::object();
  for (const char* k : {"dim", "hidden", "layers", "heads", "kv_heads"})
    s.model[k] = int_in(c, std::string("model.") + k, 1, 65536);
  s.model["seq_len"] = int_in(c, "model.seq_len", 16, 65536);
  if (s.model["dim"].get<int64_t>() % s.model["heads"].get<int64_t>() != 0 ||
      (s.model["dim"].get<int64_t>() / s.model["heads"].get<int64_t>()) % 2 != 0)
    throw config_error("model.heads", "must divide model.dim into an even head size");
  if (s.model["heads"].get<int64_t>() % s.model["kv_heads"].get<int64_t>() != 0)
    throw config_error("model.kv_heads", "must divide model.heads");
  s.base = plan_from(c, "train");
  s.direct_fraction = number_in(c, "direct_fraction", 0, 1);

  auto& st = s.self_train;
  st.sizes = ints_in(c, "self_train.sizes", 1, s.questions.unlabeled * static_cast<int64_t>(s.families.size()), 1);
  for (size_t i = 1; i < st.sizes.size(); ++i)
    if (st.sizes[i] <= st.sizes[i - 1]) throw config_error("self_train.sizes", "must be ascending");
  st.filter = one_of(c, "self_train.filter", {"labels", "self_consistency"});
  st.samples = int_in(c, "self_train.samples", 1, 64);
  st.temperature = number_in(c, "self_train.temperature", 0, 10);
  st.top_p = number_in(c, "self_train.top_p", 1e-6, 1);
  st.min_agreement = number_in(c, "self_train.min_agreement", 0, 1);
  st.replay = number_in(c, "self_train.replay", 0, 100);
  st.plan = plan_from(c, "self_train.train");
  st.lora.rank = int_in(c, "self_train.lora.rank", 0, 4096);
  st.lora.alpha = number_in(c, "self_train.lora.alpha", 1e-6, 1e6);
  const auto& targets = c.at("self_train.lora.targets");
  if (!targets.is_array() || targets.empty()) throw config_error("self_train.lora.targets", "must be a non-empty list");
  const std::vector<std::string> modules{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
  for (const auto& t : targets) {
    if (!t.is_string() || std::find(modules.begin(), modules.end(), t.get<std::string>()) == modules.end())
      throw config_error("self_train.lora.targets", "each must be one of q_proj k_proj v_proj o_proj gate_proj up_proj down_proj, got " + t.dump());
    st.lora.targets.push_back(t.get<std::string>());
  }
  s.max_cot_tokens = int_in(c, "eval.max_cot_tokens", 1, 4096);
  s.max_direct_tokens = int_in(c, "eval.max_direct_tokens", 1, 4096);
  s.tokenizer_kind = one_of(c, "tokenizer.kind", {"bytes", "spm"});
  // 3 specials + 256 byte pieces + the characters of the texts (byte fallback) need room for merges
  s.tokenizer_vocab = int_in(c, "tokenizer.vocab_size", 300, 65536);
  return s;
}

}  // namespace labkit::cognidual_train
