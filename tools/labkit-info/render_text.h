// Human-readable text for the JSON that labkit-info builds (the --json output is the same data).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace labkit::info {

std::string render_build_summary(const nlohmann::json& summary);
std::string render_file(const nlohmann::json& description);

}  // namespace labkit::info
