// Range checks for a tool's settings layer: read a config key once, check it, name it in the error.
//
//   s.steps = labkit::int_in(c, "steps", 1, 1'000'000);          // config steps: must be in [1, 1000000], got -1
//   s.lr = labkit::number_in(c, "train.lr", 0, 1);               // finite, inclusive bounds
//   s.spacing_mm = labkit::positive(c, "spacing_mm");            // finite and > 0
//   s.clicks = labkit::ints_in(c, "val_clicks", 1, 20);          // config val_clicks[2]: must be in [1, 20], got 30
//   s.mode = labkit::one_of(c, "mode", {"rtn", "gptq"});
//
// Every error is a labkit::InputError "config <key>: <problem>" (exit 2). Integers are read as 64-bit
// and range-checked before any narrowing, so 4294967296 or -1 never wraps into a valid-looking value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "labkit/core/config.h"
#include "labkit/core/error.h"

namespace labkit {

// InputError("config <key>: <problem>").
InputError config_error(const std::string& key, const std::string& problem);

// An integer key within [lo, hi].
std::int64_t int_in(const Config& c, const std::string& key, std::int64_t lo, std::int64_t hi);
// A finite number within [lo, hi] (integers are accepted).
double number_in(const Config& c, const std::string& key, double lo, double hi);
// A finite number > 0.
double positive(const Config& c, const std::string& key);
// Arrays whose every entry is in [lo, hi]; errors name the entry (key[i]). `min_size` entries at least.
std::vector<std::int64_t> ints_in(const Config& c, const std::string& key, std::int64_t lo, std::int64_t hi,
                                  std::size_t min_size = 0);
std::vector<double> numbers_in(const Config& c, const std::string& key, double lo, double hi,
                               std::size_t min_size = 0);
// A string key that must be one of `allowed`.
std::string one_of(const Config& c, const std::string& key, const std::vector<std::string>& allowed);

// The same checks for a value already in hand (derived values, entries of nested lists).
std::int64_t check_int_in(const std::string& key, const nlohmann::json& value, std::int64_t lo, std::int64_t hi);
double check_number_in(const std::string& key, const nlohmann::json& value, double lo, double hi);

}  // namespace labkit
