// Shell completion scripts generated from a tool's CLI11 description (`<tool> --completion bash`).
//
// The script completes subcommands, the options of the current subcommand (and of the tool itself when the
// subcommand falls through to it), the choices of options checked with CLI::IsMember, config keys after
// --set (as `key=`), and file names for every other option value and positional argument.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace labkit {

// A bash completion script for `app` (its name is the command completed). `config_keys` are the dotted
// keys --set accepts. zsh users load it after `autoload -U +X bashcompinit && bashcompinit`.
std::string bash_completion(const CLI::App& app, const std::vector<std::string>& config_keys);

// The script for `shell` ("bash", or "zsh": the bash script behind bashcompinit); throws InputError
// for any other shell.
std::string completion_script(const std::string& shell, const CLI::App& app,
                              const std::vector<std::string>& config_keys);

}  // namespace labkit
