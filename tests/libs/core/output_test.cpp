#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/output_dir.h"

namespace fs = std::filesystem;
using labkit::OutputDir;

namespace {
fs::path fresh_dir(const std::string& name) {
  fs::path p = fs::path(::testing::TempDir()) / name;
  fs::remove_all(p);
  return p;
}
size_t count_entries(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}
}  // namespace

TEST(AtomicFile, WritesAndReplaces) {
  const fs::path dir = fresh_dir("labkit_atomic");
  fs::create_directories(dir);
  const std::string path = (dir / "a.txt").string();
  labkit::write_file_atomically(path, "one");
  labkit::write_file_atomically(path, "two");
  EXPECT_EQ(labkit::read_file(path), "two");
  EXPECT_EQ(count_entries(dir), 1u) << "no temporary left behind";
}

TEST(AtomicFile, FailedWriteLeavesNothing) {
  const fs::path dir = fresh_dir("labkit_atomic_fail");
  fs::create_directories(dir);
  const std::string path = (dir / "b.bin").string();
  EXPECT_THROW(labkit::write_atomically(path,
                                        [](const std::string& tmp) {
                                          std::ofstream(tmp) << "partial";
                                          throw std::runtime_error("disk full");
                                        }),
               std::runtime_error);
  EXPECT_EQ(count_entries(dir), 0u);
}

TEST(AtomicFile, ReadMissingIsInputError) {
  EXPECT_THROW(labkit::read_file("/nonexistent/labkit/file"), labkit::InputError);
}

TEST(OutputDir, RefusesToOverwriteWithoutForce) {
  const fs::path dir = fresh_dir("labkit_out");
  {
    OutputDir out(dir.string(), OutputDir::Policy::kFresh);  // creates it
    out.write("config.json", "{}");
    out.write("report.json", "{}");
  }
  try {
    OutputDir again(dir.string(), OutputDir::Policy::kFresh);
    FAIL() << "expected InputError";
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
  }
  {
    // --force removes the old report before anything else is written.
    OutputDir forced(dir.string(), OutputDir::Policy::kOverwrite);
    EXPECT_FALSE(forced.exists("report.json"));
    EXPECT_TRUE(forced.exists("config.json"));
    forced.write("report.json", "{\"x\":1}");
    EXPECT_EQ(labkit::read_file(forced.file("report.json")), "{\"x\":1}");
  }
  OutputDir resumed(dir.string(), OutputDir::Policy::kResume);
  EXPECT_TRUE(resumed.exists("report.json"));
}

TEST(OutputDir, UnfinishedRunIsCleared) {
  const fs::path dir = fresh_dir("labkit_out_unfinished");
  {
    OutputDir first(dir.string(), OutputDir::Policy::kFresh);
    first.write("config.json", "{}");
    first.write("checkpoint.bin", "x");
    fs::create_directories(first.file("sub"));
  }
  {
    OutputDir resumed(dir.string(), OutputDir::Policy::kResume);
    EXPECT_TRUE(resumed.exists("checkpoint.bin")) << "--resume keeps an unfinished run";
  }
  OutputDir again(dir.string(), OutputDir::Policy::kFresh);
  EXPECT_FALSE(again.exists("checkpoint.bin"));
  EXPECT_FALSE(again.exists("config.json"));
  EXPECT_FALSE(again.exists("sub"));
  EXPECT_EQ(count_entries(dir), 1u) << "only the lock file is left";
}

TEST(OutputDir, FilesNoRunWroteAreNeverCleared) {
  const fs::path dir = fresh_dir("labkit_out_foreign");
  fs::create_directories(dir);
  std::ofstream(dir / "notes.txt") << "mine";
  try {
    OutputDir out(dir.string(), OutputDir::Policy::kFresh);
    FAIL() << "expected InputError";
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no labkit run wrote"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::exists(dir / "notes.txt"));
}

TEST(OutputDir, InputInsideAnUnfinishedRunIsNotCleared) {
  const fs::path dir = fresh_dir("labkit_out_input_inside");
  OutputDir(dir.string(), OutputDir::Policy::kFresh).write("shard_0.h5", "data");
  labkit::OutputDirOptions options;
  options.inputs = {(dir / "shard_0.h5").string()};
  try {
    OutputDir out(dir.string(), OutputDir::Policy::kFresh, options);
    FAIL() << "expected InputError";
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("shard_0.h5"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::exists(dir / "shard_0.h5"));
}

TEST(OutputDir, SecondWriterIsRefused) {
  const fs::path dir = fresh_dir("labkit_out_locked");
  OutputDir first(dir.string(), OutputDir::Policy::kFresh);
  try {
    OutputDir second(dir.string(), OutputDir::Policy::kResume);
    FAIL() << "expected InputError";
  } catch (const labkit::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("another run holds this output directory (pid " + std::to_string(::getpid()) + ")"),
              std::string::npos)
        << e.what();
  }
}

TEST(OutputDir, EmptyExistingDirectoryIsFine) {
  const fs::path dir = fresh_dir("labkit_out_empty");
  fs::create_directories(dir);
  EXPECT_NO_THROW(OutputDir(dir.string(), OutputDir::Policy::kFresh));
}

TEST(OutputDir, FileInTheWayIsInputError) {
  const fs::path dir = fresh_dir("labkit_out_file");
  fs::create_directories(dir.parent_path());
  std::ofstream(dir.string()) << "x";
  EXPECT_THROW(OutputDir(dir.string(), OutputDir::Policy::kOverwrite), labkit::InputError);
  fs::remove(dir);
}
