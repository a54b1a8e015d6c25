// Answer extraction and matching, the stand-in for CogniDual's unpublished "Semantic Match": a numeric
// answer matches when both normalise to the same number ("1,234.0" = "1234", "$5" = "5"); a multiple-
// choice answer when both name the same option letter ("(b)", "Option B", "B." = "B").
#pragma once

#include <optional>
#include <string>

namespace labkit::cognidual_train {

enum class AnswerKind { kNumber, kOption };
AnswerKind answer_kind(const std::string& family);  // ordering, reclor, logiqa: options; the rest numbers

// "1,234.50" -> "1234.5", "$-3" -> "-3", "7." -> "7", "+0.0" -> "0"; nullopt when it is not one number.
std::optional<std::string> normalize_number(const std::string& text);
// "(b)", "B)", "b.", "Option B", "answer: C" -> "B"/"C"; nullopt when no single option letter A-D is named.
std::optional<std::string> normalize_option(const std::string& text);

// The final answer in a model's (or a dataset's) solution text: what follows the last "=>", "####" or
// "answer is"; without a marker, the last number (numbers) or the last standalone letter A-D (options).
// Normalised as above; nullopt when nothing parses.
std::optional<std::string> extract_answer(const std::string& text, AnswerKind kind);

// Whether a solution text's extracted answer equals the gold answer (also normalised).
bool answer_matches(const std::string& solution, const std::string& gold, AnswerKind kind);

}  // namespace labkit::cognidual_train
