// Reading a JSON file a user named (a config, a manifest, a prompt file, a model's config.json): one
// InputError naming the file whether it cannot be opened or is not JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace labkit {

// `what` says what the file should be, for the message: `PATH: cannot open the manifest`,
// `PATH: the manifest is not valid JSON: <the parser's message>`. `allow_comments` accepts // and /* */
// comments (config files); other files are strict JSON.
nlohmann::json read_json_file(const std::string& path, const std::string& what, bool allow_comments = false);

}  // namespace labkit
