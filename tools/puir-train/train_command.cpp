// `puir-train train`, `eval` and `embed` as named steps.
#include <fmt/format.h>
#include <malloc.h>

#include <limits>

#include "commands.h"
#include "labkit/core/error.h"
#include "labkit/core/progress.h"
#include "labkit/core/settings.h"
#include "labkit/core/termination.h"
#include "labkit/core/timer.h"
#include "labkit/distributed/launch_env.h"
#include "labkit/tensorio/h5.h"
#include "labkit/torchutil/runtime.h"
#include "labkit/torchutil/tensor_files.h"
#include "manifest.h"
#include "settings.h"
#include "synthesis.h"
#include "trainer.h"

namespace labkit::puir_train {

namespace {

// LibTorch's CPU allocator hands every tensor to malloc; glibc serves those over 32 MB (most activations
// of a 3D network) with a fresh mmap and returns them on free, so each one costs page faults and zeroing
// again: half the CPU time went to the kernel here. Keeping freed memory in the heap makes reuse free.
void keep_freed_memory() {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
}

std::vector<CaseVolume> load_cases(const std::vector<CaseFiles>& files, const Settings& s, labkit::Run& run) {
  labkit::ScopedTimer timer(run.timings(), "read_data");
  std::vector<CaseVolume> out;
  for (const auto& f : files) out.push_back(load_case(f, s.roi, s.foreground_threshold));
  return out;
}

void add_evaluation_table(const nlohmann::json& e, labkit::Run& run) {
  const auto& names = e["modalities"];
  std::vector<std::vector<nlohmann::json>> rows;
  for (size_t a = 0; a < names.size(); ++a)
    for (size_t b = 0; b < names.size(); ++b)
      rows.push_back({names[a].get<std::string>() + " -> " + names[b].get<std::string>(), e["pairs"]["mse"]["mean"][a][b],
                      e["pairs"]["psnr"]["mean"][a][b], e["pairs"]["ssim"]["mean"][a][b]});
  run.summary().add_table(fmt::format("synthesis, mean over {} cases", e["cases"].get<int64_t>()),
                          {"source -> target", "MSE", "PSNR (dB)", "SSIM"}, rows);
  run.summary().add("mean off-diagonal PSNR", e["off_diagonal"]["psnr"], "dB");
  run.summary().add("mean off-diagonal SSIM", e["off_diagonal"]["ssim"]);
  run.summary().add("X_h retrieval top-1", fmt::format("{:.3f} (chance {:.3f})", e["retrieval"]["top1"].get<double>(),
                                                       e["retrieval"]["chance"].get<double>()));
}

// The model's own modalities and crop replace the config's (a model is evaluated as it was trained).
Settings settings_for_model(const LoadedModel& m, const labkit::Run& run) {
  auto s = Settings::from_config(run.config());
  s.modalities = m.modalities;
  s.roi = m.net->spec().roi;
  return s;
}

}  // namespace

void train_command(const std::string& manifest, labkit::Run& run) {
  if (manifest.empty()) throw labkit::InputError("--manifest is required");
  labkit::install_sigterm_handler();
  keep_freed_memory();
  const auto s = Settings::from_config(run.config());
  // Data parallel when launched by torchrun-style variables or srun (README "Data parallel").
  const auto env = labkit::distributed::launch_env_from_environment();
  s.check_total_batch(env.world_size);
  const auto device = labkit::torchutil::parse_device(run.device());
  const auto files = read_manifest(manifest, s.modalities);
  auto train = load_cases(of_split(files, "train"), s, run);
  const auto val = load_cases(of_split(files, "val"), s, run);
  if (train.empty()) throw labkit::input_error(manifest, "no training cases");
  if (s.batch_size > static_cast<int>(train.size()))
    throw labkit::config_error("batch_size", fmt::format("{} exceeds the {} training cases", s.batch_size, train.size()));
  auto group = labkit::distributed::ProcessGroup::create(env, device);
  run.report_extra()["distributed"] = {{"rank", env.rank}, {"world_size", env.world_size},
                                       {"backend", group->backend()}, {"source", env.source}};
  Trainer trainer(s, std::move(train), run, device, group.get());
  trainer.train();
  run.summary().add("mode", s.mode).add("parameters", run.metrics()["parameters"]);
  run.summary().add("final loss (total / reconstruction)",
                    fmt::format("{:.4f} / {:.4f}", run.metrics()["final"]["total"].get<double>(),
                                run.metrics()["final"]["reconstruction"].get<double>()));
  if (s.puir()) run.summary().add("final anchor loss", run.metrics()["final"]["anchor"]);
  if (!val.empty()) {
    labkit::ScopedTimer timer(run.timings(), "evaluate");
    run.metrics()["evaluation"] = evaluate(trainer.network(), val, s, device);
    add_evaluation_table(run.metrics()["evaluation"], run);
  }
  run.summary().add("model", run.metrics()["model"]);
}

void eval_command(const std::string& manifest, const std::string& checkpoint, const std::string& split, labkit::Run& run) {
  keep_freed_memory();
  const auto device = labkit::torchutil::parse_device(run.device());
  auto model = load_model(checkpoint, device);
  const auto s = settings_for_model(model, run);
  auto files = of_split(read_manifest(manifest, s.modalities), split);
  if (files.empty()) throw labkit::input_error(manifest, "no cases in split \"" + split + "\"");
  const auto cases = load_cases(files, s, run);
  labkit::ScopedTimer timer(run.timings(), "evaluate");
  run.metrics()["evaluation"] = evaluate(model.net, cases, s, device);
  run.metrics()["evaluation"]["split"] = split;
  add_evaluation_table(run.metrics()["evaluation"], run);
}

void embed_command(const std::string& manifest, const std::string& checkpoint, labkit::Run& run) {
  keep_freed_memory();
  const auto device = labkit::torchutil::parse_device(run.device());
  auto model = load_model(checkpoint, device);
  const auto s = settings_for_model(model, run);
  const auto files = read_manifest(manifest, s.modalities);
  const auto path = run.out().file("x_h.h5");
  auto h5 = tensorio::H5File::create(path);
  labkit::Progress progress("embedding", static_cast<int64_t>(files.size()), "case");
  for (const auto& f : files) {
    const auto c = load_case(f, s.roi, s.foreground_threshold);
    for (size_t m = 0; m < s.modalities.size(); ++m) {
      const auto x = case_x_h(model.net, c, static_cast<int64_t>(m), s.roi, device);
      const auto edge = model.net->spec().bottleneck_edge();
      torchutil::write_tensor(h5, c.name + "/" + s.modalities[m],
                              x.view({model.net->spec().bottleneck_channels(), edge, edge, edge}));
    }
    progress.advance();
  }
  progress.finish();
  h5.commit();
  run.metrics() = {{"file", path}, {"cases", files.size()}, {"modalities", s.modalities},
                   {"shape", {model.net->spec().bottleneck_channels(), model.net->spec().bottleneck_edge(),
                              model.net->spec().bottleneck_edge(), model.net->spec().bottleneck_edge()}}};
  run.summary().add("cases", files.size()).add("X_h file", path);
}

}  // namespace labkit::puir_train
