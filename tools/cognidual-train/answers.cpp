#include "answers.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace labkit::cognidual_train {

AnswerKind answer_kind(const std::string& family) {
  return (family == "ordering" || family == "syllogism" || family == "reclor" || family == "logiqa") ? AnswerKind::kOption : AnswerKind::kNumber;
}

namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::string> normalize_number(const std::string& text) {
  std::string s;
  for (char c : trim(text))
    if (c != ',' && c != '$' && c != ' ') s += c;
  while (!s.empty() && (s.back() == '.' || s.back() == '%')) s.pop_back();  // "7." ends a sentence
  if (s.empty()) return std::nullopt;
  bool negative = false;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') negative = s[0] == '-', i = 1;
  std::string whole, frac;
  for (; i < s.size() && is_digit(s[i]); ++i) whole += s[i];
  if (i < s.size() && s[i] == '.')
    for (++i; i < s.size() && is_digit(s[i]); ++i) frac += s[i];
  if (i != s.size() || (whole.empty() && frac.empty())) return std::nullopt;
  // Canonical digits: no leading zeros, no trailing fractional zeros, no "-0".
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size()));
  if (whole.empty()) whole = "0";
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  std::string out = whole + (frac.empty() ? "" : "." + frac);
  if (negative && out != "0") out = "-" + out;
  return out;
}

std::optional<std::string> normalize_option(const std::string& text) {
  // Tokens of letters; a one-letter token A-D (any case) is an option unless it is the article "a" used
  // in a sentence, so a lowercase "a" counts only when it is the whole answer or bracketed.
  const std::string t = trim(text);
  std::vector<std::string> found;
  for (size_t i = 0; i < t.size();) {
    if (!std::isalpha(static_cast<unsigned char>(t[i]))) { ++i; continue; }
    size_t j = i;
    while (j < t.size() && std::isalpha(static_cast<unsigned char>(t[j]))) ++j;
    if (j - i == 1) {
      const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(t[i])));
      const bool bracketed = i > 0 && t[i - 1] == '(';
      if (c >= 'A' && c <= 'D' && (t[i] != 'a' || bracketed || t.size() <= 2)) found.push_back(std::string(1, c));
    }
    i = j;
  }
  if (found.empty()) return std::nullopt;
  for (const auto& f : found)
    if (f != found[0]) return std::nullopt;  // "A or B" names no single option
  return found[0];
}

std::optional<std::string> extract_answer(const std::string& text, AnswerKind kind) {
  auto normalise = [&](const std::string& s) { return kind == AnswerKind::kNumber ? normalize_number(s) : normalize_option(s); };
  size_t best = std::string::npos, len = 0;
  for (const std::string marker : {"=>", "####", "answer is", "Answer:"}) {
    const size_t at = text.rfind(marker);
    if (at != std::string::npos && (best == std::string::npos || at > best)) best = at, len = marker.size();
  }
  if (best != std::string::npos) {
    std::string tail = trim(text.substr(best + len));
    const size_t nl = tail.find('\n');
    if (nl != std::string::npos) tail = tail.substr(0, nl);
    return normalise(tail);
  }
  if (kind == AnswerKind::kOption) return normalize_option(text.size() <= 4 ? text : text.substr(text.size() - 4));
  // The last number in the text.
  size_t e = text.size();
  while (e > 0 && !is_digit(text[e - 1])) --e;
  if (e == 0) return std::nullopt;
  size_t b = e;
  while (b > 0 && (is_digit(text[b - 1]) || text[b - 1] == '.' || text[b - 1] == ',')) --b;
  if (b > 0 && text[b - 1] == '-') --b;
  return normalize_number(text.substr(b, e - b));
}

bool answer_matches(const std::string& solution, const std::string& gold, AnswerKind kind) {
  const auto got = extract_answer(solution, kind);
  const auto want = kind == AnswerKind::kNumber ? normalize_number(gold) : normalize_option(gold);
  return got && want && *got == *want;
}

}  // namespace labkit::cognidual_train
