#include "render_text.h"

#include <fmt/format.h>

#include <algorithm>

#include "labkit/core/summary.h"

namespace labkit::info {
namespace {

// [1, 2, 3] -> "1 x 2 x 3"; numbers printed with up to 6 significant digits.
std::string join(const nlohmann::json& values, const char* sep) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += sep;
    // + 0.0 turns -0 into 0 so that direction matrices read cleanly.
    out += v.is_number_float() ? fmt::format("{:.6g}", v.get<double>() + 0.0) : v.dump();
  }
  return out;
}

std::string yes_no(const nlohmann::json& v) { return v.get<bool>() ? "yes" : "no"; }

std::string render_attributes(const nlohmann::json& attrs) {
  if (!attrs.is_object() || attrs.empty()) return "";
  std::string out;
  for (auto it = attrs.begin(); it != attrs.end(); ++it)
    out += fmt::format(" {}={}", it.key(), it->is_string() ? it->get<std::string>() : it->dump());
  return out;
}

}  // namespace

std::string render_build_summary(const nlohmann::json& s) {
  const auto& l = s["labkit"];
  std::string out = fmt::format("labkit {} (git {}, {}, {})\n", l["version"].get<std::string>(),
                                l["git"].get<std::string>(), l["build_type"].get<std::string>(),
                                l["compiler"].get<std::string>());
  for (auto it = s["versions"].begin(); it != s["versions"].end(); ++it)
    out += fmt::format("  {:<14} {}\n", it.key(), it->get<std::string>());
  const auto& t = s["threads"];
  out += fmt::format("threads: {} hardware", t["hardware_concurrency"].get<int>());
  if (t.contains("torch_intra_op"))
    out += fmt::format(", torch intra-op {}, inter-op {}", t["torch_intra_op"].get<int>(), t["torch_inter_op"].get<int>());
  out += "\n";
  out += fmt::format("features: torch {}, itk {}, cuda {}\n", yes_no(s["features"]["torch"]),
                     yes_no(s["features"]["itk"]), yes_no(s["features"]["cuda"]));
  out += fmt::format("CUDA devices: {}\n", s["cuda"]["device_count"].get<int>());
  if (s["cuda"].contains("devices"))
    for (const auto& d : s["cuda"]["devices"]) out += "  " + d.get<std::string>() + "\n";
  return out;
}

std::string render_file(const nlohmann::json& d) {
  const std::string kind = d["kind"];
  std::string out = d["path"].get<std::string>() + ": ";
  if (kind == "image") {
    out += fmt::format("image ({}), {}D {}{}\n", d["format"].get<std::string>(), d["dimension"].get<int>(),
                       d["pixel_type"].get<std::string>(),
                       d["components"].get<int>() > 1 ? fmt::format(" x{}", d["components"].get<int>()) : "");
    if (d.contains("orientation")) out += "  orientation " + d["orientation"].get<std::string>() + "\n";
    out += "  size      " + join(d["size"], " x ") + "\n";
    out += "  spacing   " + join(d["spacing"], " x ") + "\n";
    out += "  origin    " + join(d["origin"], ", ") + "\n";
    out += "  direction " + join(d["direction"], ", ") + "\n";
  } else if (kind == "safetensors") {
    out += fmt::format("safetensors, {} tensors, {} parameters, {} bytes\n", d["tensor_count"].get<long>(),
                       d["parameters"].get<long long>(), d["data_bytes"].get<long long>());
    for (auto it = d["metadata"].begin(); it != d["metadata"].end(); ++it)
      out += fmt::format("  metadata {} = {}\n", it.key(), it->get<std::string>());
    for (const auto& t : d["tensors"])
      out += fmt::format("  {:<40} {:<5} [{}]\n", t["name"].get<std::string>(), t["dtype"].get<std::string>(),
                         join(t["shape"], ", "));
    if (d["tensors"].size() < d["tensor_count"].get<size_t>())
      out += fmt::format("  ... {} more\n", d["tensor_count"].get<size_t>() - d["tensors"].size());
  } else if (kind == "labkit-run") {
    if (!d["finished"].get<bool>()) {
      out += "labkit run, unfinished (config.json, no report.json)\n";
      return out;
    }
    out += fmt::format("labkit run of {}, finished", d["tool"].get<std::string>());
    if (d.contains("started_utc")) out += ", started " + d["started_utc"].get<std::string>();
    if (d.contains("wall_seconds")) out += fmt::format(", {:.3g} s", d["wall_seconds"].get<double>());
    if (d.contains("git")) out += ", git " + d["git"].get<std::string>();
    out += "\n";
    const auto& m = d["metrics"];
    size_t width = 0;
    for (auto it = m.begin(); it != m.end(); ++it) width = std::max(width, it.key().size());
    for (auto it = m.begin(); it != m.end(); ++it)
      out += fmt::format("  {:<{}}  {}\n", it.key(), width, Summary::format_value(*it));
  } else if (kind == "hdf5") {
    out += fmt::format("HDF5, {} objects\n", d["object_count"].get<long>());
    for (const auto& o : d["objects"]) {
      const std::string path = o.value("path", "?");
      if (o.value("kind", "") == "dataset")
        out += fmt::format("  {} {} [{}]{}{}{}\n", path, o.value("dtype", "?"), join(o["shape"], ", "),
                           o.contains("chunk") && !o["chunk"].empty() ? " chunk [" + join(o["chunk"], ", ") + "]" : "",
                           o.value("compression", "").empty() ? "" : " " + o.value("compression", ""),
                           render_attributes(o.value("attributes", nlohmann::json::object())));
      else
        out += fmt::format("  {} (group){}\n", path, render_attributes(o.value("attributes", nlohmann::json::object())));
    }
    if (d["objects"].size() < d["object_count"].get<size_t>())
      out += fmt::format("  ... {} more\n", d["object_count"].get<size_t>() - d["objects"].size());
  }
  return out;
}

}  // namespace labkit::info
