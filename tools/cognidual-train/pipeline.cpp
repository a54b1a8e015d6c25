#include "pipeline.h"

#include <fmt/format.h>

#include <filesystem>
#include <random>

#include "task_tokenizer.h"
#include "evaluate.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/settings.h"
#include "labkit/core/termination.h"
#include "selftrain.h"

namespace labkit::cognidual_train {

namespace fs = std::filesystem;

namespace {

// Prompt and completion encoded apart (the way generation sees them: the prompt alone, then new tokens).
Sequence to_sequence(const llama::Tokenizer& tok, const std::string& prompt, const std::string& completion) {
  Sequence s;
  s.tokens = tok.encode(prompt, true);
  s.prompt_len = static_cast<int64_t>(s.tokens.size());
  const auto c = tok.encode(completion, false);
  s.tokens.insert(s.tokens.end(), c.begin(), c.end());
  return s;
}

// Every training question with its CoT solution; every round(1/direct_fraction)-th also with its direct answer.
std::vector<Sequence> base_sequences(const llama::Tokenizer& tok, const std::vector<Example>& train,
                                     double direct_fraction) {
  std::vector<Sequence> out;
  double owed = 0;
  for (const auto& e : train) {
    out.push_back(to_sequence(tok, prompt_text(e, Mode::kCot), completion_text(e, Mode::kCot)));
    owed += direct_fraction;
    if (owed >= 1.0) {
      owed -= 1.0;
      out.push_back(to_sequence(tok, prompt_text(e, Mode::kDirect), completion_text(e, Mode::kDirect)));
    }
  }
  return out;
}

std::string jsonl(const std::vector<Example>& examples) {
  std::string text;
  for (const auto& e : examples) text += to_json(e).dump() + "\n";
  return text;
}

void check_fits(const std::vector<Sequence>& seqs, int64_t seq_len, int64_t extra, const std::string& what) {
  for (const auto& s : seqs)
    if (static_cast<int64_t>(s.tokens.size()) + extra > seq_len)
      throw config_error("model.seq_len", fmt::format("{} needs {} tokens, more than {}", what, s.tokens.size() + extra, seq_len));
}

class Stages {
 public:
  explicit Stages(labkit::Run& run) : run_(run), path_(run.out().file("checkpoint/progress.json")) {
    if (run.resume() && fs::exists(path_)) {
      try {
        done_ = nlohmann::json::parse(read_file(path_));
      } catch (const nlohmann::json::exception& e) {
        throw input_error(path_, std::string("unreadable: ") + e.what());
      }
      if (!done_.is_object()) throw input_error(path_, "not a JSON object");
      log::info("resuming: stages done: {}", done_.size());
    }
  }
  bool has(const std::string& k) const { return done_.contains(k); }
  const nlohmann::json& at(const std::string& k) const { return done_.at(k); }
  void finish(const std::string& k, nlohmann::json v) {
    done_[k] = std::move(v);
    fs::create_directories(fs::path(path_).parent_path());
    write_file_atomically(path_, done_.dump() + "\n");
  }

 private:
  labkit::Run& run_;
  std::string path_;
  nlohmann::json done_ = nlohmann::json::object();
};

nlohmann::json measure(const LanguageModel& lm, const llama::Tokenizer& tok, const std::vector<Example>& test,
                       const Settings& s, const std::string& tag) {
  return {{"direct", evaluate(lm, tok, test, Mode::kDirect, s.max_direct_tokens, tag + " direct")},
          {"cot", evaluate(lm, tok, test, Mode::kCot, s.max_cot_tokens, tag + " CoT")}};
}

// Direct pairs from the kept self-training answers, plus `replay` base sequences per pair (seeded).
std::vector<Sequence> fine_tune_sequences(const llama::Tokenizer& tok, const SelfTrainSet& set,
                                          const std::vector<Sequence>& base, double replay, uint64_t seed) {
  std::vector<Sequence> out;
  for (const auto& k : set.kept)
    out.push_back(to_sequence(tok, prompt_text(k.example, Mode::kDirect), completion_text(k.example, Mode::kDirect, k.answer)));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, base.size() - 1);
  const auto n = static_cast<int64_t>(std::llround(replay * static_cast<double>(set.kept.size())));
  for (int64_t i = 0; i < n; ++i) out.push_back(base[pick(rng)]);
  return out;
}

}  // namespace

void run_cognidual(const Settings& s, labkit::Run& run) {
  install_sigterm_handler();  // SIGTERM: a checkpoint, exit 1, --resume continues
  run.report_extra()["distributed"] = join_data_parallel();
  const auto& out = run.out();
  const auto sets = build_task_sets(s.families, s.difficulty, s.questions, run.seed());
  fs::create_directories(out.file("data"));
  out.write("data/test.jsonl", jsonl(sets.test));
  out.write("data/train.jsonl", jsonl(sets.train));
  out.write("data/unlabeled.jsonl", jsonl(sets.unlabeled));
  // Trained again on --resume: spm_train on one thread gives the same model from the same texts.
  const auto tok = make_task_tokenizer(s, sets.train, out.file("tokenizer"));
  run.report_extra()["tokenizer"] = {{"kind", s.tokenizer_kind}, {"vocab_size", tok->vocab_size()},
                                     {"test", tokenizer_stats(*tok, sets.test)}};
  const auto base_seqs = base_sequences(*tok, sets.train, s.direct_fraction);
  check_fits(base_seqs, s.model.at("seq_len").get<int64_t>(), 0, "a training example");
  Stages stages(run);
  nlohmann::json curves;

  const auto base_dir = out.file("base_model");
  if (!stages.has("base")) {
    LanguageModel lm(s.model, tok->vocab_size(), run.seed());
    const auto curve = lm.train(base_seqs, s.base, run.seed(), out.file("checkpoint/base"), run.resume(), "CoT training");
    lm.save(base_dir);
    stages.finish("base", {{"curve", curve}, {"parameters", lm.parameters()}, {"sequences", base_seqs.size()}});
    fs::remove_all(out.file("checkpoint/base"));
  }
  const LanguageModel base(base_dir);
  curves["base_loss"] = stages.at("base").at("curve");
  if (!stages.has("before")) stages.finish("before", measure(base, *tok, sets.test, s, "before"));

  nlohmann::json after = nlohmann::json::array();
  for (const int64_t n : s.self_train.sizes) {
    const std::string key = fmt::format("self_train_{}", n);
    if (!stages.has(key)) {
      const std::vector<Example> questions(sets.unlabeled.begin(), sets.unlabeled.begin() + n);
      const auto set = build_self_train_set(base, *tok, questions, s.self_train, s.max_cot_tokens, run.seed() + 17);
      out.write("data/" + key + ".jsonl", self_train_jsonl(set));
      nlohmann::json result{{"size", n}, {"kept", set.kept.size()}, {"kept_correct", set.kept_correct},
                            {"pseudo_label_precision", set.kept.empty() ? 0.0 : double(set.kept_correct) / double(set.kept.size())}};
      if (set.kept.empty()) {  // nothing to learn from: the model stays the base model
        log::warn("{}: no self-training answer was kept; the model is unchanged", key);
        result["curve"] = nlohmann::json::array();
        result["after"] = stages.at("before");
      } else {
        LanguageModel tuned(base);
        if (s.self_train.lora.rank > 0) tuned.attach_lora(s.self_train.lora, run.seed() + n);
        result["fine_tune"] = s.self_train.lora.rank > 0 ? fmt::format("lora r={} alpha={}", s.self_train.lora.rank, s.self_train.lora.alpha) : "full";
        result["curve"] = tuned.train(fine_tune_sequences(*tok, set, base_seqs, s.self_train.replay, run.seed() + n),
                                      s.self_train.plan, run.seed() + n, out.file("checkpoint/" + key), run.resume(),
                                      "self-training " + std::to_string(n));
        tuned.save(out.file("self_trained_" + std::to_string(n)));
        if (s.self_train.lora.rank > 0) tuned.save_lora(out.file("self_trained_" + std::to_string(n) + "_lora"));
        result["after"] = measure(tuned, *tok, sets.test, s, key);
      }
      stages.finish(key, result);
      fs::remove_all(out.file("checkpoint/" + key));
    }
    auto r = stages.at(key);
    curves[key + "_loss"] = r.at("curve");
    r.erase("curve");
    after.push_back(r);
  }

  auto& m = run.metrics();
  m["families"] = s.families;
  m["difficulty"] = s.difficulty;
  m["parameters"] = stages.at("base").at("parameters");
  m["questions"] = {{"test", sets.test.size()}, {"train", sets.train.size()}, {"unlabeled", sets.unlabeled.size()}};
  m["filter"] = s.self_train.filter;
  m["before"] = stages.at("before");
  m["self_training"] = after;
  run.report_extra()["curves"] = curves;
}

void add_summary(const nlohmann::json& m, labkit::Summary& summary) {
  std::vector<std::string> header{"family", "direct", "CoT", "CoT tok", "direct tok"};
  for (const auto& a : m.at("self_training")) header.push_back(fmt::format("direct@{}", a.at("size").get<int64_t>()));
  std::vector<std::vector<nlohmann::json>> rows;
  std::vector<std::string> names = m.at("families").get<std::vector<std::string>>();
  names.push_back("all");
  for (const auto& f : names) {
    const auto& d = m.at("before").at("direct").at(f);
    const auto& c = m.at("before").at("cot").at(f);
    std::vector<nlohmann::json> row{f, d.at("accuracy"), c.at("accuracy"), c.at("tokens_per_answer"), d.at("tokens_per_answer")};
    for (const auto& a : m.at("self_training")) row.push_back(a.at("after").at("direct").at(f).at("accuracy"));
    rows.push_back(row);
  }
  summary.add_table("accuracy on the test questions (before self-training, then direct after each set size)", header, rows);
  std::vector<std::vector<nlohmann::json>> st;
  for (const auto& a : m.at("self_training"))
    st.push_back({a.at("size"), a.at("kept"), a.at("pseudo_label_precision"), a.at("after").at("cot").at("all").at("accuracy"),
                  a.at("after").at("direct").at("all").at("ms_per_answer")});
  summary.add_table("self-training sets (" + m.at("filter").get<std::string>() + " filter)",
                    {"size", "kept", "kept precision", "CoT after", "direct ms"}, st);
}

}  // namespace labkit::cognidual_train
