// A tiny labkit tool for end-to-end tests of the shared run loop (tests/libs/core/run_loop_test.cpp):
// real processes for the --out lock, reruns after a failed run, --resume config checks, stdout.
// LABKIT_TEST_TOOL_RESUME=1 in the environment makes it a tool with --resume.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "labkit/core/settings.h"
#include "labkit/core/tool.h"

int main(int argc, char** argv) {
  labkit::ToolSpec spec{"labkit-test-tool", "exercises the shared run loop",
                        nlohmann::json{{"steps", 3}, {"alpha", 1.5}, {"fail", false}, {"hold_until", ""}}};
  const char* resume = std::getenv("LABKIT_TEST_TOOL_RESUME");
  spec.uses_resume = resume && std::string(resume) == "1";
  spec.resume_may_change = {"fail", "hold_until"};
  labkit::Tool tool(spec);
  std::string input;
  tool.app().add_option("input", input, "an input file (only its existence matters)");
  return tool.main(argc, argv, [&](labkit::Run& run) {
    const auto steps = labkit::int_in(run.config(), "steps", 1, 1000);
    const double alpha = labkit::number_in(run.config(), "alpha", 0, 10);
    const auto hold = run.config().get<std::string>("hold_until");
    if (run.has_out()) run.out().write("partial.txt", "written before the end\n");
    if (!hold.empty()) {  // keep --out locked until the file `hold` exists (at most 60 s)
      run.out().write("started", "");
      for (int i = 0; i < 600 && !std::filesystem::exists(hold); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (run.config().get<bool>("fail")) throw std::runtime_error("failing as asked (--set fail=true)");
    run.metrics()["steps"] = steps;
    run.metrics()["alpha"] = alpha;
    run.metrics()["loss"] = alpha / static_cast<double>(steps);
    run.summary().add("steps", steps).add("loss", alpha / static_cast<double>(steps));
    run.summary().add_table("per step", {"step", "value"}, {{1, 0.5}, {2, 0.25}});
  });
}
