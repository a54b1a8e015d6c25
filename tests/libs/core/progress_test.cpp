#include "labkit/core/progress.h"

#include <gtest/gtest.h>

#include "labkit/core/timer.h"

TEST(Progress, RendersRateAndEta) {
  labkit::Progress p("train", 100, "it", 1000, labkit::Progress::Mode::kLines);
  p.set(25);
  // 25 items in 5 s: 5 it/s, 75 left -> 15 s.
  EXPECT_EQ(p.render(5.0, false), "train 25/100 5 it/s 25% ETA 0:15");
  const std::string bar = p.render(5.0, true);
  EXPECT_NE(bar.find("[======>"), std::string::npos) << bar;
  p.finish();
}

TEST(Progress, UnknownTotalHasNoEta) {
  labkit::Progress p("scan", 0, "files", 1000, labkit::Progress::Mode::kLines);
  p.advance(3);
  EXPECT_EQ(p.render(2.0, false), "scan 3 1.5 files/s");
  p.finish();
}

TEST(Progress, FormatDuration) {
  EXPECT_EQ(labkit::format_duration(0), "0:00");
  EXPECT_EQ(labkit::format_duration(75), "1:15");
  EXPECT_EQ(labkit::format_duration(3723), "1:02:03");
  EXPECT_EQ(labkit::format_duration(-1), "?");
}

TEST(Timings, ScopedTimersAccumulate) {
  labkit::Timings t;
  { labkit::ScopedTimer a(t, "step"); }
  { labkit::ScopedTimer b(t, "step"); }
  t.add("io", 1.5);
  const auto j = t.to_json();
  EXPECT_EQ(j["step"]["count"], 2);
  EXPECT_GE(j["step"]["seconds"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["io"]["seconds"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(t.seconds("missing"), 0.0);
}
