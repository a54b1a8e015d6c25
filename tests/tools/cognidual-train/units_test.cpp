// cognidual-train units: task generators (answers recomputed independently from the question text),
// answer extraction on hand-made examples, loaders and their errors, the byte tokenizer's round trip, and
// test questions never entering a training set.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "answers.h"
#include "byte_tokenizer.h"
#include "dataset.h"
#include "labkit/core/config.h"
#include "labkit/core/error.h"
#include "loaders.h"
#include "run_command.h"
#include "temp_dir.h"
#include "settings.h"
#include "spm_trainer.h"
#include "task_tokenizer.h"
#include "tasks.h"

using namespace labkit::cognidual_train;

namespace {
void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
}  // namespace

TEST(Tasks, ArithmeticAnswersEqualTheQuestionsValue) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200; ++i) {
    auto a = generate_example("addition", 1 + i % 6, rng);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(a.question, m, std::regex("(\\d+)\\+(\\d+)")));
    EXPECT_EQ(a.answer, std::to_string(std::stoll(m[1]) + std::stoll(m[2])));
    EXPECT_EQ(m[1].length(), static_cast<size_t>(a.difficulty));
    auto p = generate_example("multiplication", 1 + i % 6, rng);
    ASSERT_TRUE(std::regex_match(p.question, m, std::regex("(\\d+)\\*(\\d)")));
    EXPECT_EQ(p.answer, std::to_string(std::stoll(m[1]) * std::stoll(m[2])));
  }
  std::mt19937_64 r2(2);
  auto e = generate_example("addition", 3, r2);
  EXPECT_EQ(std::count(e.cot.begin(), e.cot.end(), ','), 2);  // one step per column
}

TEST(Tasks, WordProblemsReplayToTheirAnswer) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100; ++i) {
    auto w = generate_example("word", 1 + i % 4, rng);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(w.question, m, std::regex("has (\\d+) ")));
    long long v = std::stoll(m[1]);
    std::string rest = w.question;
    std::regex op("(Gets (\\d+) more|Loses (\\d+)|Then has (\\d+) times as many)");
    int ops = 0;
    for (std::sregex_iterator it(rest.begin(), rest.end(), op), end; it != end; ++it, ++ops) {
      const auto& s = *it;
      if (s[2].matched) v += std::stoll(s[2]);
      if (s[3].matched) v -= std::stoll(s[3]);
      if (s[4].matched) v *= std::stoll(s[4]);
    }
    EXPECT_EQ(ops, w.difficulty);
    EXPECT_EQ(w.answer, std::to_string(v)) << w.question;
  }
}

TEST(Tasks, OrderingAnswerIsThePersonAtTheAskedRank) {
  std::mt19937_64 rng(4);
  for (int i = 0; i < 100; ++i) {
    const int n = 3 + i % 4;
    auto o = generate_example("ordering", n, rng);
    // Rebuild the order from the facts: the tallest is never on the right of '>'; count who beats whom.
    std::map<char, int> above;
    std::smatch m;
    std::string q = o.question;
    const std::regex fact("([P-W])>([P-W])");
    for (std::sregex_iterator it(q.begin(), q.end(), fact), end; it != end; ++it) {
      above[(*it)[1].str()[0]];
      above[(*it)[2].str()[0]];
    }
    ASSERT_EQ(static_cast<int>(above.size()), n);
    // Transitive closure over the chain: rank = number of people taller.
    std::map<char, char> next;
    for (std::sregex_iterator it(q.begin(), q.end(), fact), end; it != end; ++it)
      next[(*it)[1].str()[0]] = (*it)[2].str()[0];
    char top = 0;
    for (auto& [p, _] : above) {
      bool beaten = false;
      for (auto& [a, b] : next) beaten |= b == p;
      if (!beaten) top = p;
    }
    ASSERT_TRUE(std::regex_search(q, m, std::regex("#(\\d) tallest")));
    char who = top;
    for (int r = 1; r < std::stoi(m[1]); ++r) who = next.at(who);
    ASSERT_TRUE(std::regex_search(q, m, std::regex("\\(" + o.answer + "\\)([P-W])")));
    EXPECT_EQ(m[1].str()[0], who) << q;
  }
  std::mt19937_64 r(5);
  EXPECT_THROW(generate_example("ordering", 7, r), std::invalid_argument);
  EXPECT_THROW(generate_example("riddles", 2, r), std::invalid_argument);
}

// Entailment by brute force over "types" (which terms an individual belongs to): universal premises only
// forbid types, so a universal conclusion follows iff every type the premises allow satisfies it, provided
// every term still has an allowed type (terms are non-empty). Independent of how the generator reasons.
TEST(Tasks, SyllogismAnswerIsTheOnlyOptionThatFollows) {
  struct Statement {
    bool all;
    char x, y;
  };
  const std::regex stmt("(all|no) ([a-k]) are ([a-k])");
  auto parse = [&](const std::string& text) {
    std::vector<Statement> out;
    for (std::sregex_iterator it(text.begin(), text.end(), stmt), end; it != end; ++it)
      out.push_back({(*it)[1] == "all", (*it)[2].str()[0], (*it)[3].str()[0]});
    return out;
  };
  auto holds = [](const Statement& st, unsigned type, const std::string& terms) {
    const bool in_x = type >> terms.find(st.x) & 1u, in_y = type >> terms.find(st.y) & 1u;
    return st.all ? (!in_x || in_y) : !(in_x && in_y);
  };
  std::mt19937_64 rng(6);
  for (int i = 0; i < 200; ++i) {
    const int n = 2 + i % 4;
    const auto e = generate_example("syllogism", n, rng);
    const auto q_end = e.question.find(". What follows?");
    ASSERT_NE(q_end, std::string::npos) << e.question;
    const auto premises = parse(e.question.substr(0, q_end));
    ASSERT_EQ(static_cast<int>(premises.size()), n) << e.question;
    std::string terms = "abcdefghjk";
    std::vector<unsigned> allowed;
    for (unsigned type = 0; type < (1u << terms.size()); ++type) {
      bool ok = true;
      for (const auto& p : premises) ok = ok && holds(p, type, terms);
      if (ok) allowed.push_back(type);
    }
    for (int o = 0; o < 4; ++o) {
      const std::string tag = std::string("(") + static_cast<char>('A' + o) + ")";
      const auto at = e.question.find(tag) + 3;
      const auto option = parse(e.question.substr(at, e.question.find(" (", at) - at));
      ASSERT_EQ(option.size(), 1u) << e.question;
      bool follows = true;
      for (unsigned type : allowed) follows = follows && holds(option[0], type, terms);
      // Non-empty terms: a term no allowed type contains would make the premises unsatisfiable.
      for (char c : std::string{option[0].x, option[0].y}) {
        bool inhabited = false;
        for (unsigned type : allowed) inhabited = inhabited || (type >> terms.find(c) & 1u);
        ASSERT_TRUE(inhabited) << e.question;
      }
      EXPECT_EQ(follows, e.answer == std::string(1, static_cast<char>('A' + o))) << e.question << " option " << tag;
    }
  }
  std::mt19937_64 r(5);
  EXPECT_THROW(generate_example("syllogism", 6, r), std::invalid_argument);
}

TEST(Answers, NumbersNormaliseOnHandMadeExamples) {
  EXPECT_EQ(normalize_number("1,234"), "1234");
  EXPECT_EQ(normalize_number(" $1,234.50 "), "1234.5");
  EXPECT_EQ(normalize_number("7."), "7");
  EXPECT_EQ(normalize_number("007"), "7");
  EXPECT_EQ(normalize_number("-0.0"), "0");
  EXPECT_EQ(normalize_number("+12"), "12");
  EXPECT_EQ(normalize_number("-3"), "-3");
  EXPECT_EQ(normalize_number("45%"), "45");
  EXPECT_FALSE(normalize_number("12 apples"));
  EXPECT_FALSE(normalize_number("1.2.3"));
  EXPECT_FALSE(normalize_number(""));
  EXPECT_FALSE(normalize_number("-"));
}

TEST(Answers, OptionsAndExtractionOnHandMadeExamples) {
  EXPECT_EQ(normalize_option("(b)"), "B");
  EXPECT_EQ(normalize_option("B)"), "B");
  EXPECT_EQ(normalize_option("Option C."), "C");
  EXPECT_EQ(normalize_option("a"), "A");
  EXPECT_EQ(normalize_option("the answer: D"), "D");
  EXPECT_FALSE(normalize_option("A or B"));
  EXPECT_FALSE(normalize_option("E"));
  EXPECT_FALSE(normalize_option("none"));
  // The "a" article is not an option: "is a (C)" names C.
  EXPECT_EQ(normalize_option("it is a (C)"), "C");
  const auto num = AnswerKind::kNumber, opt = AnswerKind::kOption;
  EXPECT_EQ(extract_answer("7+5=12,4+8+1=13 => 132\n", num), "132");
  EXPECT_EQ(extract_answer("Natalia sold 48/2 = 24 clips.\n#### 72", num), "72");
  EXPECT_EQ(extract_answer("so the answer is 1,000.", num), "1000");
  EXPECT_EQ(extract_answer("she has 3 then 5 left", num), "5");
  EXPECT_EQ(extract_answer("=> (B)\n", opt), "B");
  EXPECT_EQ(extract_answer("S>Q>P,#2=Q => C", opt), "C");
  EXPECT_FALSE(extract_answer("no number here", num));
  EXPECT_FALSE(extract_answer("7+5=12 =>", num));  // a marker with nothing after it
  EXPECT_TRUE(answer_matches("=> 1,234.0", "1234", num));
  EXPECT_FALSE(answer_matches("=> 1235", "1234", num));
  EXPECT_TRUE(answer_matches("answer is (d)", "D", opt));
  EXPECT_EQ(answer_kind("ordering"), opt);
  EXPECT_EQ(answer_kind("syllogism"), opt);
  EXPECT_EQ(answer_kind("gsm8k"), num);
}

TEST(Loaders, ReadTheThreeFormatsAndNameTheBadLine) {
  const auto dir = labkit::test::fresh_temp_dir("cognidual_loaders");
  write(dir + "/gsm.jsonl", R"({"question": "Two and 3?", "answer": "2+3=5\n#### 5"})" "\n\n"
                            R"({"question": "Big?", "answer": "so\n#### 1,200"})" "\n");
  auto g = read_task_file(dir + "/gsm.jsonl", "gsm8k");
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[1].answer, "1200");
  EXPECT_EQ(g[0].cot, "2+3=5\n");
  write(dir + "/reclor.jsonl", R"({"context": "C.", "question": "Q?", "answers": ["w", "x", "y", "z"], "label": 2})" "\n");
  auto r = read_task_file(dir + "/reclor.jsonl", "reclor");
  EXPECT_EQ(r[0].answer, "C");
  EXPECT_EQ(r[0].question, "C. Q? (A)w (B)x (C)y (D)z");
  write(dir + "/logiqa.jsonl", R"({"id": 1, "text": "T.", "question": "Q?", "options": ["a", "b", "c", "d"], "answer": 0})" "\n");
  EXPECT_EQ(read_task_file(dir + "/logiqa.jsonl", "logiqa")[0].answer, "A");
  auto expect_error = [&](const std::string& text, const std::string& format, const std::string& needle) {
    write(dir + "/bad.jsonl", text);
    try {
      read_task_file(dir + "/bad.jsonl", format);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const labkit::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.jsonl"), std::string::npos) << e.what();
    }
  };
  expect_error("", "gsm8k", "no examples");
  expect_error(R"({"question": "q", "answer": "a\n#### 5"})" "\n{oops\n", "gsm8k", "line 2: not valid JSON");
  expect_error(R"({"question": "q", "answer": "no marker"})", "gsm8k", "line 1: \"answer\" has no");
  expect_error(R"({"question": "q", "answer": "#### five"})", "gsm8k", "is not a number");
  expect_error(R"({"context": "c", "question": "q", "answers": ["a", "b"], "label": 0})", "reclor", "list of 4 options");
  expect_error(R"({"text": "t", "question": "q", "options": ["a", "b", "c", "d"], "answer": 4})", "logiqa", "index 0-3");
  expect_error(R"({"family": "addition", "difficulty": 1, "question": "1+1", "cot": "", "answer": "two"})", "labkit",
               "cannot be parsed as a number");
  EXPECT_THROW(read_task_file(dir + "/missing.jsonl", "gsm8k"), labkit::InputError);
}

TEST(ByteTokenizer, RoundTripsAnyBytes) {
  ByteTokenizer tok;
  const std::string text = "Q 347*6\nC 7*6=42 => 2082\n\xc3\xbc\x01\xff";
  auto ids = tok.encode(text, true);
  EXPECT_EQ(ids.size(), text.size() + 1);
  EXPECT_EQ(ids[0], ByteTokenizer::kBos);
  EXPECT_EQ(ids[1], 3 + 'Q');
  EXPECT_EQ(tok.decode(ids), text);
  EXPECT_EQ(tok.decode({ByteTokenizer::kPad, ByteTokenizer::id_of('x'), ByteTokenizer::kEos}), "x");
  EXPECT_THROW(tok.decode({259}), std::out_of_range);
}

TEST(Dataset, TestQuestionsNeverEnterATrainingSet) {
  // Difficulty 1 addition has only 100 questions: 30 test + 50 train + 20 unlabelled uses them all.
  std::map<std::string, int> d{{"addition", 1}, {"ordering", 3}};
  auto sets = build_task_sets({"addition", "ordering"}, d, {30, 50, 20}, 7);
  EXPECT_EQ(sets.test.size(), 60u);
  EXPECT_EQ(sets.train.size(), 100u);
  std::set<std::string> test_q, all_q;
  for (const auto& e : sets.test) test_q.insert(e.family + e.question);
  for (const auto* set : {&sets.train, &sets.unlabeled})
    for (const auto& e : *set) EXPECT_FALSE(test_q.count(e.family + e.question)) << e.question;
  EXPECT_NO_THROW(check_disjoint(sets.train, sets.test));
  EXPECT_THROW(check_disjoint({sets.test[3]}, sets.test), std::logic_error);
  EXPECT_EQ(sets.unlabeled[0].family, "addition");  // interleaved by family
  EXPECT_EQ(sets.unlabeled[1].family, "ordering");
  // Same seed, same sets; asking for more distinct questions than exist is a config error.
  EXPECT_EQ(build_task_sets({"addition"}, d, {5, 5, 5}, 7).test[2].question,
            build_task_sets({"addition"}, d, {5, 5, 5}, 7).test[2].question);
  EXPECT_THROW(build_task_sets({"addition"}, d, {60, 50, 1}, 7), labkit::InputError);
  Example e{"addition", 2, "12+34", "2+4=6,1+3=4", "46"};
  EXPECT_EQ(prompt_text(e, Mode::kCot) + completion_text(e, Mode::kCot), "Q 12+34\nC 2+4=6,1+3=4 => 46\n");
  EXPECT_EQ(prompt_text(e, Mode::kDirect) + completion_text(e, Mode::kDirect, "47"), "Q 12+34\nD => 47\n");
}

TEST(Settings, DefaultsLoadAndBadKeysAreNamed) {
  EXPECT_NO_THROW(Settings::from_config(labkit::Config(default_config())));
  auto bad = [](const std::string& key, const nlohmann::json& v) {
    auto j = default_config();
    labkit::Config c(j);
    nlohmann::json* p = &j;
    std::string k = key;
    for (size_t dot; (dot = k.find('.')) != std::string::npos; k = k.substr(dot + 1)) p = &(*p)[k.substr(0, dot)];
    (*p)[k] = v;
    try {
      Settings::from_config(labkit::Config(j));
      ADD_FAILURE() << key;
    } catch (const labkit::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(key.substr(0, key.find('.'))), std::string::npos) << e.what();
    }
  };
  bad("tasks.families", nlohmann::json::array({"addition", "riddles"}));
  bad("tasks.difficulty.ordering", 9);
  bad("self_train.sizes", nlohmann::json::array({200, 50}));
  bad("self_train.filter", "vibes");
  bad("train.lr", -1);
  bad("model.heads", 5);
  bad("train.accumulation_steps", 3);
}

// A fuzz harness for the task-file reader: seeded random byte edits of valid lines of every format must
// either parse or give an InputError naming the file, never another exception or a crash.
TEST(Loaders, RandomlyCorruptedFilesParseOrFailCleanly) {
  const auto dir = labkit::test::fresh_temp_dir("cognidual_fuzz");
  const std::vector<std::pair<std::string, std::string>> seeds{
      {"gsm8k", R"({"question": "Two and 3?", "answer": "2+3=5\n#### 5"})"},
      {"reclor", R"({"context": "C.", "question": "Q?", "answers": ["w", "x", "y", "z"], "label": 2})"},
      {"logiqa", R"({"id": 1, "text": "T.", "question": "Q?", "options": ["a", "b", "c", "d"], "answer": 0})"},
      {"labkit", R"({"family": "ordering", "difficulty": 3, "question": "P>Q", "cot": "P>Q", "answer": "B"})"}};
  std::mt19937_64 rng(42);
  int parsed = 0, refused = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto& [format, line] = seeds[i % seeds.size()];
    std::string text = line + "\n" + line + "\n";
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0: text[at] = static_cast<char>(rng() % 256); break;
        case 1: text.erase(at, 1 + rng() % 8); break;
        case 2: text.insert(at, 1, "{}[]\",:0#\n\\"[rng() % 11]); break;
        default: text.resize(at); break;
      }
    }
    const auto path = dir + "/f.jsonl";
    std::ofstream(path, std::ios::binary) << text;
    try {
      read_task_file(path, format);
      ++parsed;
    } catch (const labkit::InputError& err) {
      EXPECT_EQ(std::string(err.what()).rfind(path, 0), 0u) << err.what();
      ++refused;
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(refused, 0);
}

// The trained tokenizer: spm_train (Debian's sentencepiece) on generated training texts, read back by
// labkit::llama's own .model reader; every test text must round-trip and cost fewer tokens than bytes.
TEST(CognidualTokenizer, SpmTrainedOnTaskTextsRoundTripsAndShortensAnswers) {
  if (!program_available("spm_train")) GTEST_SKIP() << "spm_train not installed (Debian package sentencepiece)";
  auto j = default_config();
  j["tokenizer"]["kind"] = "spm";
  j["tokenizer"]["vocab_size"] = 320;
  const auto s = Settings::from_config(labkit::Config(j));
  std::map<std::string, int> d{{"addition", 3}, {"syllogism", 3}};
  const auto sets = build_task_sets({"addition", "syllogism"}, d, {20, 150, 0}, 3);
  const auto dir = labkit::test::fresh_temp_dir("cognidual_spm");
  const auto tok = make_task_tokenizer(s, sets.train, dir);
  EXPECT_EQ(tok->vocab_size(), 320);
  EXPECT_TRUE(std::filesystem::exists(dir + "/tokenizer.model"));
  const auto spm = tokenizer_stats(*tok, sets.test);
  const auto bytes = tokenizer_stats(ByteTokenizer(), sets.test);
  EXPECT_EQ(spm["round_trip_failures"], 0);
  EXPECT_EQ(bytes["round_trip_failures"], 0);
  EXPECT_EQ(spm["texts"], 160);  // 40 questions x (prompt, completion) x (CoT, direct)
  EXPECT_LT(spm["cot_tokens_per_answer"].get<double>(), bytes["cot_tokens_per_answer"].get<double>());
  // bytes: one token per character of the completion
  double chars = 0;
  for (const auto& e : sets.test) chars += static_cast<double>(completion_text(e, Mode::kCot).size());
  EXPECT_DOUBLE_EQ(bytes["cot_tokens_per_answer"].get<double>(), chars / 40.0);
  // '\n' (never inside a training line) is always the byte token <0x0A>: the answer's stop token
  for (const auto& e : sets.test) {
    const auto ids = tok->encode(completion_text(e, Mode::kCot), false);
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids.back(), 3 + '\n');
    EXPECT_EQ(std::count(ids.begin(), ids.end(), 3 + '\n'), 1);
  }
  // spm_train refusing a vocabulary smaller than its characters: its message, not a crash
  SpmTrainOptions tiny;
  tiny.vocab_size = 5;
  try {
    train_spm_tokenizer({"Q 1+2=\nC 3"}, tiny, dir + "/tiny");
    ADD_FAILURE() << "expected spm_train to fail";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("spm_train failed"), std::string::npos) << e.what();
  }
  SpmTrainOptions missing;
  missing.spm_train = "/nonexistent/spm_train";
  EXPECT_FALSE(program_available(missing.spm_train));
  EXPECT_THROW(train_spm_tokenizer({"x"}, missing, dir + "/missing"), std::runtime_error);
}
