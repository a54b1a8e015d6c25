#include "tasks.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace labkit::cognidual_train {

nlohmann::json to_json(const Example& e) {
  return {{"family", e.family}, {"difficulty", e.difficulty}, {"question", e.question}, {"cot", e.cot}, {"answer", e.answer}};
}

Example example_from_json(const nlohmann::json& j) {
  return {j.at("family").get<std::string>(), j.at("difficulty").get<int>(), j.at("question").get<std::string>(),
          j.at("cot").get<std::string>(), j.at("answer").get<std::string>()};
}

const std::vector<std::string>& generated_families() {
  static const std::vector<std::string> f{"addition", "multiplication", "word", "ordering", "syllogism"};
  return f;
}

namespace {

int64_t uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

// A number with exactly `digits` digits (1 digit: 0..9).
int64_t number_with_digits(std::mt19937_64& rng, int digits) {
  int64_t lo = 1;
  for (int i = 1; i < digits; ++i) lo *= 10;
  return digits == 1 ? uniform(rng, 0, 9) : uniform(rng, lo, lo * 10 - 1);
}

std::string digits_of(int64_t v) { return std::to_string(v); }

// Column addition from the right: "7+5=12,4+8+1=13,c1" with each column's sum (carry included).
Example addition(int d, std::mt19937_64& rng) {
  const int64_t a = number_with_digits(rng, d), b = number_with_digits(rng, d);
  const std::string sa = digits_of(a), sb = digits_of(b);
  std::vector<std::string> steps;
  int carry = 0;
  const size_t n = std::max(sa.size(), sb.size());
  for (size_t i = 0; i < n; ++i) {
    const int x = i < sa.size() ? sa[sa.size() - 1 - i] - '0' : 0, y = i < sb.size() ? sb[sb.size() - 1 - i] - '0' : 0;
    const int s = x + y + carry;
    steps.push_back(carry ? fmt::format("{}+{}+{}={}", x, y, carry, s) : fmt::format("{}+{}={}", x, y, s));
    carry = s / 10;
  }
  return {"addition", d, fmt::format("{}+{}", a, b), fmt::format("{}", fmt::join(steps, ",")), std::to_string(a + b)};
}

// Multiplication by one digit, right to left: "7*6=42,4*6+4=28,3*6+2=20".
Example multiplication(int d, std::mt19937_64& rng) {
  const int64_t a = number_with_digits(rng, d), b = uniform(rng, 2, 9);
  const std::string sa = digits_of(a);
  std::vector<std::string> steps;
  int64_t carry = 0;
  for (size_t i = 0; i < sa.size(); ++i) {
    const int x = sa[sa.size() - 1 - i] - '0';
    const int64_t p = x * b + carry;
    steps.push_back(carry ? fmt::format("{}*{}+{}={}", x, b, carry, p) : fmt::format("{}*{}={}", x, b, p));
    carry = p / 10;
  }
  return {"multiplication", d, fmt::format("{}*{}", a, b), fmt::format("{}", fmt::join(steps, ",")), std::to_string(a * b)};
}

// A story of `d` operations on a count, each a sentence; the CoT writes out every intermediate value.
Example word_problem(int d, std::mt19937_64& rng) {
  static const std::vector<std::string> names{"Ann", "Bob", "Cid", "Dee", "Eve", "Fay"};
  static const std::vector<std::string> things{"apples", "coins", "books", "eggs", "pens"};
  const auto& name = names[uniform(rng, 0, names.size() - 1)];
  const auto& thing = things[uniform(rng, 0, things.size() - 1)];
  int64_t v = uniform(rng, 2, 20);
  std::string q = fmt::format("{} has {} {}.", name, v, thing);
  std::vector<std::string> steps;
  for (int i = 0; i < d; ++i) {
    const int op = static_cast<int>(uniform(rng, 0, 2));
    if (op == 0) {
      const int64_t k = uniform(rng, 2, 9);
      q += fmt::format(" Gets {} more.", k);
      steps.push_back(fmt::format("{}+{}={}", v, k, v + k));
      v += k;
    } else if (op == 1 && v > 2) {
      const int64_t k = uniform(rng, 1, std::min<int64_t>(9, v - 1));
      q += fmt::format(" Loses {}.", k);
      steps.push_back(fmt::format("{}-{}={}", v, k, v - k));
      v -= k;
    } else {
      const int64_t k = uniform(rng, 2, 3);
      q += fmt::format(" Then has {} times as many.", k);
      steps.push_back(fmt::format("{}*{}={}", v, k, v * k));
      v *= k;
    }
  }
  q += " How many now?";
  return {"word", d, q, fmt::format("{}", fmt::join(steps, ",")), std::to_string(v)};
}

// `n` people in a hidden height order; the facts are the adjacent pairs, shuffled; the question asks for
// the person at one rank; 4 options (A-D). The CoT rebuilds the order, then reads the rank off it.
Example ordering(int n, std::mt19937_64& rng) {
  static const std::string letters = "PQRSTUVW";
  std::string people = letters.substr(0, n);
  std::shuffle(people.begin(), people.end(), rng);  // tallest first
  std::vector<std::string> facts;
  for (int i = 0; i + 1 < n; ++i) facts.push_back(fmt::format("{}>{}", people[i], people[i + 1]));
  std::shuffle(facts.begin(), facts.end(), rng);
  const int rank = static_cast<int>(uniform(rng, 0, n - 1));
  const char target = people[rank];
  std::string options{target};
  std::string others = people;
  others.erase(others.find(target), 1);
  std::shuffle(others.begin(), others.end(), rng);
  options += others.substr(0, std::min<size_t>(3, others.size()));
  while (options.size() < 4) options += letters[n + options.size()];  // n = 3: one name nobody mentioned
  std::shuffle(options.begin(), options.end(), rng);
  const char letter = static_cast<char>('A' + options.find(target));
  std::string q = fmt::format("{}. Who is #{} tallest?", fmt::join(facts, ","), rank + 1);
  for (int i = 0; i < 4; ++i) q += fmt::format(" ({}){}", static_cast<char>('A' + i), options[i]);
  std::string chain;
  for (int i = 0; i < n; ++i) chain += (i ? ">" : "") + std::string(1, people[i]);
  return {"ordering", n, q, fmt::format("{},#{}={}", chain, rank + 1, target), std::string(1, letter)};
}

// A chain of `n` categorical premises over terms t0..tn ("all t0 are t1", ..., shuffled), the last one
// "no t(n-1) are tn" half of the time; the question asks which conclusion follows, 4 options in LogiQA's
// style: the valid one ("all t0 are tn" or "no t0 are tn") and three that do not follow (the opposite
// quantifier, a converse, a term the premises never mention). Terms are non-empty (Aristotelian import).
Example syllogism(int n, std::mt19937_64& rng) {
  std::string terms = "abcdefghjk";
  std::shuffle(terms.begin(), terms.end(), rng);
  const auto t = [&](int i) { return std::string(1, terms[i]); };
  const bool negative = uniform(rng, 0, 1) == 1;
  std::vector<std::string> premises;
  for (int i = 0; i < n; ++i)
    premises.push_back(fmt::format("{} {} are {}", negative && i == n - 1 ? "no" : "all", t(i), t(i + 1)));
  std::shuffle(premises.begin(), premises.end(), rng);
  const std::string head = t(0), tail = t(n), outsider = t(n + 1);
  const std::string valid = fmt::format("{} {} are {}", negative ? "no" : "all", head, tail);
  std::vector<std::string> wrong{fmt::format("{} {} are {}", negative ? "all" : "no", head, tail),
                                 fmt::format("all {} are {}", t(1), head),  // converse of the first premise
                                 fmt::format("all {} are {}", head, outsider)};
  if (!negative) wrong.push_back(fmt::format("all {} are {}", tail, head));  // converse of the conclusion
  std::shuffle(wrong.begin(), wrong.end(), rng);
  std::vector<std::string> options{valid, wrong[0], wrong[1], wrong[2]};
  std::shuffle(options.begin(), options.end(), rng);
  const char letter = static_cast<char>('A' + (std::find(options.begin(), options.end(), valid) - options.begin()));
  std::string q = fmt::format("{}. What follows?", fmt::join(premises, ","));
  for (int i = 0; i < 4; ++i) q += fmt::format(" ({}){}", static_cast<char>('A' + i), options[i]);
  // CoT: the chain of inclusions, then the conclusion ("a<b<c,no c d,no a d").
  std::string chain = head;
  for (int i = 1; i <= (negative ? n - 1 : n); ++i) chain += "<" + t(i);
  const std::string cot = negative ? fmt::format("{},no {} {},no {} {}", chain, t(n - 1), tail, head, tail)
                                   : fmt::format("{},all {} {}", chain, head, tail);
  return {"syllogism", n, q, cot, std::string(1, letter)};
}

}  // namespace

Example generate_example(const std::string& family, int difficulty, std::mt19937_64& rng) {
  auto need = [&](int lo, int hi) {
    if (difficulty < lo || difficulty > hi)
      throw std::invalid_argument(fmt::format("{} difficulty must be in [{}, {}], got {}", family, lo, hi, difficulty));
  };
  if (family == "addition") return need(1, 12), addition(difficulty, rng);
  if (family == "multiplication") return need(1, 12), multiplication(difficulty, rng);
  if (family == "word") return need(1, 8), word_problem(difficulty, rng);
  if (family == "ordering") return need(3, 6), ordering(difficulty, rng);
  if (family == "syllogism") return need(2, 5), syllogism(difficulty, rng);
  throw std::invalid_argument("unknown task family \"" + family + "\" (addition, multiplication, word, ordering, syllogism)");
}

int64_t question_space(const std::string& family, int difficulty) {
  if (family == "addition" && difficulty <= 3) {
    const int64_t per = difficulty == 1 ? 10 : (difficulty == 2 ? 90 : 900);
    return per * per;
  }
  if (family == "multiplication" && difficulty <= 3) return (difficulty == 1 ? 10 : (difficulty == 2 ? 90 : 900)) * 8;
  return -1;
}

}  // namespace labkit::cognidual_train
