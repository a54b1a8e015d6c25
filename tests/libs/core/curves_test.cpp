// report.json "curves": the layout scripts/plot_report.py reads (CONTRIBUTING.md 6).
#include "labkit/core/curves.h"

#include <gtest/gtest.h>

#include <stdexcept>

TEST(Curves, PanelsHoldNamedSeriesOfXYPairs) {
  nlohmann::json curves;
  labkit::add_curve_point(curves, "loss", "epoch", "train", 1, 0.5);
  labkit::add_curve_point(curves, "loss", "epoch", "train", 2, 0.25);
  labkit::add_curve_point(curves, "validation Dice", "epoch", "1 click", 1, 0.75);
  labkit::set_curve_log_y(curves, "loss");
  EXPECT_EQ(curves, nlohmann::json::parse(R"({
    "loss": {"x": "epoch", "y_scale": "log", "series": {"train": [[1.0, 0.5], [2.0, 0.25]]}},
    "validation Dice": {"x": "epoch", "y_scale": "linear", "series": {"1 click": [[1.0, 0.75]]}}})"));
}

TEST(Curves, OnePanelHasOneXAxis) {
  nlohmann::json curves;
  labkit::set_curve_log_y(curves, "loss");  // before any point: the first point names the x axis
  labkit::add_curve_point(curves, "loss", "step", "a", 1, 2);
  EXPECT_EQ(curves["loss"]["x"], "step");
  EXPECT_THROW(labkit::add_curve_point(curves, "loss", "epoch", "b", 1, 2), std::logic_error);
}
