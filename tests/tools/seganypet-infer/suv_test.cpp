// Body-weight SUV from PET DICOM tags: a synthetic PET series written here with GDCM (PT modality,
// per-slice rescale slopes, the Radiopharmaceutical Information Sequence), the factor against values
// computed by hand in float64 (Python), decay-correction and midnight conventions, every missing or
// invalid tag (in-process and through the CLI: exit 2, the tag named, no mask), and --suv end to end.
#include <gdcmDataSet.h>
#include <gdcmImage.h>
#include <gdcmImageWriter.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmTrace.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "labkit/core/error.h"
#include "labkit/imageio/image.h"
#include "run_command.h"
#include "suv.h"

namespace fs = std::filesystem;
namespace img = labkit::imageio;
using labkit::test::run_command;
using labkit::test::shell_quote;
using labkit::seganypet_infer::suv_bw_factor;

namespace {

using Tags = std::map<gdcm::Tag, std::pair<gdcm::VR::VRType, std::string>>;

// A small PET series: nx x ny x nz int16 slices, slope per slice, values in Bq/ml after rescale.
struct Series {
  Tags tags, radiopharmaceutical;
  bool sequence = true;
  std::vector<std::string> acquisition_times;  // per slice (overrides the tag in `tags`)
  int nx = 24, ny = 20, nz = 6;
  double sx = 2.0, sy = 2.0, sz = 3.0;
  static double slope(int k) { return 0.5 + 0.125 * k; }  // binary fractions: exact in float
  int16_t stored(int i, int j, int k) const {
    const double r2 = std::pow(i - 11.5, 2) + std::pow(j - 9.5, 2) + std::pow((k - 2.5) * 1.5, 2);
    return static_cast<int16_t>(r2 < 30 ? 12000 : 400 + 10 * i + 7 * j);
  }
};

const gdcm::Tag kWeight(0x0010, 0x1030), kSeriesDate(0x0008, 0x0021), kAcqDate(0x0008, 0x0022),
    kSeriesTime(0x0008, 0x0031), kAcqTime(0x0008, 0x0032), kUnits(0x0054, 0x1001), kDecay(0x0054, 0x1102),
    kModality(0x0008, 0x0060), kDose(0x0018, 0x1074), kHalfLife(0x0018, 0x1075), kInjTime(0x0018, 0x1072),
    kInjDateTime(0x0018, 0x1078);

// Injection 2024-03-12 09:30:15.5, series start 10:45:00 the same day: dt = 4484.5 s.
Series default_series() {
  Series s;
  s.tags = {{kModality, {gdcm::VR::CS, "PT"}},
            {gdcm::Tag(0x0008, 0x0016), {gdcm::VR::UI, "1.2.840.10008.5.1.4.1.1.128"}},  // PET Image Storage
            {gdcm::Tag(0x0020, 0x000d), {gdcm::VR::UI, "2.25.1001"}},
            {gdcm::Tag(0x0020, 0x000e), {gdcm::VR::UI, "2.25.1002"}},
            {gdcm::Tag(0x0010, 0x0010), {gdcm::VR::PN, "SUV^Test"}},
            {kWeight, {gdcm::VR::DS, "72.5"}},
            {kUnits, {gdcm::VR::CS, "BQML"}},
            {kDecay, {gdcm::VR::CS, "START"}},
            {kSeriesDate, {gdcm::VR::DA, "20240312"}},
            {kSeriesTime, {gdcm::VR::TM, "104500"}},
            {kAcqDate, {gdcm::VR::DA, "20240312"}},
            {kAcqTime, {gdcm::VR::TM, "104500"}}};
  s.radiopharmaceutical = {{kDose, {gdcm::VR::DS, "370000000"}},
                           {kHalfLife, {gdcm::VR::DS, "6586.2"}},
                           {kInjTime, {gdcm::VR::TM, "093015.5"}},
                           {kInjDateTime, {gdcm::VR::DT, "20240312093015.5"}}};
  return s;
}

void put(gdcm::DataSet& ds, const gdcm::Tag& t, gdcm::VR::VRType vr, std::string v) {
  if (v.size() % 2) v += vr == gdcm::VR::UI ? '\0' : ' ';  // DICOM values have even length
  gdcm::DataElement de(t);
  de.SetVR(vr);
  de.SetByteValue(v.data(), static_cast<uint32_t>(v.size()));
  ds.Replace(de);
}

void write_series(const Series& s, const std::string& dir) {
  fs::create_directories(dir);
  gdcm::Trace::WarningOff();  // ImageWriter notes the PhotometricInterpretation it is about to write
  for (int k = 0; k < s.nz; ++k) {
    gdcm::ImageWriter w;
    gdcm::Image& im = w.GetImage();
    im.SetNumberOfDimensions(2);
    im.SetDimension(0, static_cast<unsigned>(s.nx));
    im.SetDimension(1, static_cast<unsigned>(s.ny));
    im.SetPixelFormat(gdcm::PixelFormat(gdcm::PixelFormat::INT16));
    im.SetPhotometricInterpretation(gdcm::PhotometricInterpretation::MONOCHROME2);
    im.SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
    im.SetSpacing(0, s.sx);
    im.SetSpacing(1, s.sy);
    im.SetSpacing(2, s.sz);
    const double origin[3] = {-20.0, -15.0, -300.0 + k * s.sz};
    const double cosines[6] = {1, 0, 0, 0, 1, 0};
    for (unsigned a = 0; a < 3; ++a) im.SetOrigin(a, origin[a]);  // SetOrigin(double[3]) keeps only 2 for a 2D image
    im.SetDirectionCosines(cosines);
    im.SetSlope(Series::slope(k));
    im.SetIntercept(0.0);  // the PET IOD requires 0
    std::vector<int16_t> px(static_cast<size_t>(s.nx * s.ny));
    for (int j = 0; j < s.ny; ++j)
      for (int i = 0; i < s.nx; ++i) px[static_cast<size_t>(j * s.nx + i)] = s.stored(i, j, k);
    gdcm::DataElement pd(gdcm::Tag(0x7fe0, 0x0010));
    pd.SetVR(gdcm::VR::OW);
    pd.SetByteValue(reinterpret_cast<const char*>(px.data()), static_cast<uint32_t>(px.size() * 2));
    im.SetDataElement(pd);

    gdcm::DataSet& ds = w.GetFile().GetDataSet();
    for (const auto& [t, v] : s.tags) put(ds, t, v.first, v.second);
    if (!s.acquisition_times.empty()) put(ds, kAcqTime, gdcm::VR::TM, s.acquisition_times[static_cast<size_t>(k)]);
    put(ds, gdcm::Tag(0x0008, 0x0018), gdcm::VR::UI, "2.25.1002." + std::to_string(k + 1));
    put(ds, gdcm::Tag(0x0020, 0x0013), gdcm::VR::IS, std::to_string(k + 1));
    put(ds, gdcm::Tag(0x0018, 0x0050), gdcm::VR::DS, "3");
    if (s.sequence) {
      gdcm::SmartPointer<gdcm::SequenceOfItems> sq = new gdcm::SequenceOfItems;
      sq->SetLengthToUndefined();
      gdcm::Item item;
      item.SetVLToUndefined();
      for (const auto& [t, v] : s.radiopharmaceutical) put(item.GetNestedDataSet(), t, v.first, v.second);
      sq->AddItem(item);
      gdcm::DataElement de(gdcm::Tag(0x0054, 0x0016));
      de.SetVR(gdcm::VR::SQ);
      de.SetValue(*sq);
      de.SetVLToUndefined();
      ds.Replace(de);
    }
    w.SetFileName((dir + "/slice" + std::to_string(k) + ".dcm").c_str());
    ASSERT_TRUE(w.Write()) << dir;
  }
}

std::string temp_root() {
  static const std::string d = labkit::test::fresh_temp_dir("seganypet_suv");
  return d;
}

// Writes the series to a fresh folder named `name` and returns it.
std::string written(const Series& s, const std::string& name) {
  const std::string dir = temp_root() + "/" + name;
  write_series(s, dir);
  return dir;
}

std::string error_of(const std::string& dir) {
  try {
    suv_bw_factor(dir);
  } catch (const labkit::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// Hand-computed (Python float64): 72500 g / (3.7e8 Bq * 2^(-dt / 6586.2 s)).
constexpr double kFactorDt4484_5 = 0.0003141272516944859;   // dt = 4484.5 s
constexpr double kFactorDt4184_5 = 0.00030436433624626906;  // dt = 4184.5 s
constexpr double kFactorDt3000 = 0.0002686920402595178;     // dt = 3000 s
constexpr double kFactorAdmin = 0.00019594594594594594;     // 72500 / 3.7e8

}  // namespace

TEST(SegAnyPetSuv, FactorMatchesHandComputedValue) {
  auto f = suv_bw_factor(written(default_series(), "start"));
  EXPECT_NEAR(f.factor, kFactorDt4484_5, 1e-15 * kFactorDt4484_5 * 10);
  EXPECT_DOUBLE_EQ(f.weight_kg, 72.5);
  EXPECT_DOUBLE_EQ(f.dose_bq, 3.7e8);
  EXPECT_DOUBLE_EQ(f.half_life_s, 6586.2);
  EXPECT_NEAR(f.decay_seconds, 4484.5, 1e-9);
  EXPECT_EQ(f.decay_correction, "START");
  EXPECT_EQ(f.scan_start_tag, "SeriesTime");
  EXPECT_EQ(f.injection_tag, "RadiopharmaceuticalStartDateTime");
  EXPECT_FALSE(f.crossed_midnight);
  // The TM tag alone (no injection date) gives the same dt on the same day.
  auto s = default_series();
  s.radiopharmaceutical.erase(kInjDateTime);
  auto g = suv_bw_factor(written(s, "start_tm"));
  EXPECT_NEAR(g.factor, kFactorDt4484_5, 1e-14 * kFactorDt4484_5);
  EXPECT_EQ(g.injection_tag, "RadiopharmaceuticalStartTime");
}

// ADMIN: images are decay corrected to the injection, so no decay of the dose (and no times needed).
TEST(SegAnyPetSuv, AdminDecayCorrectionUsesTheInjectedDose) {
  auto s = default_series();
  s.tags[kDecay].second = "ADMIN";
  for (auto t : {kSeriesTime, kAcqTime, kSeriesDate, kAcqDate}) s.tags.erase(t);
  s.radiopharmaceutical.erase(kInjTime);
  s.radiopharmaceutical.erase(kInjDateTime);
  auto f = suv_bw_factor(written(s, "admin"));
  EXPECT_NEAR(f.factor, kFactorAdmin, 1e-14 * kFactorAdmin);
  EXPECT_EQ(f.decay_seconds, 0.0);
  EXPECT_EQ(f.decay_fraction, 1.0);
}

// Injection 23:50:00, scan 00:40:00 the next day: 3000 s, with dates and (by the +24 h rule) without.
TEST(SegAnyPetSuv, AcrossMidnight) {
  auto s = default_series();
  s.tags[kSeriesDate].second = s.tags[kAcqDate].second = "20240313";
  s.tags[kSeriesTime].second = s.tags[kAcqTime].second = "004000";
  s.radiopharmaceutical[kInjDateTime].second = "20240312235000";
  s.radiopharmaceutical[kInjTime].second = "235000";
  auto dated = suv_bw_factor(written(s, "midnight_dates"));
  EXPECT_NEAR(dated.decay_seconds, 3000.0, 1e-9);
  EXPECT_NEAR(dated.factor, kFactorDt3000, 1e-14 * kFactorDt3000);
  EXPECT_FALSE(dated.crossed_midnight);

  for (auto t : {kSeriesDate, kAcqDate}) s.tags.erase(t);
  s.radiopharmaceutical.erase(kInjDateTime);
  auto undated = suv_bw_factor(written(s, "midnight_nodates"));
  EXPECT_NEAR(undated.decay_seconds, 3000.0, 1e-9);
  EXPECT_NEAR(undated.factor, kFactorDt3000, 1e-14 * kFactorDt3000);
  EXPECT_TRUE(undated.crossed_midnight);

  // With both dates an injection after the scan is an error, not a wrap.
  auto late = default_series();
  late.radiopharmaceutical[kInjDateTime].second = "20240312110000";
  EXPECT_NE(error_of(written(late, "late")).find("after the scan start"), std::string::npos);
}

// A slice acquired before SeriesTime (series time rewritten on export): the earliest AcquisitionTime.
TEST(SegAnyPetSuv, EarliestAcquisitionTimeWhenEarlierThanSeriesTime) {
  auto s = default_series();
  s.acquisition_times = {"104500", "104300", "104000", "104700", "104800", "104900"};
  auto f = suv_bw_factor(written(s, "acq_earlier"));
  EXPECT_EQ(f.scan_start_tag, "AcquisitionTime");
  EXPECT_NEAR(f.decay_seconds, 4184.5, 1e-9);
  EXPECT_NEAR(f.factor, kFactorDt4184_5, 1e-14 * kFactorDt4184_5);
  // Later acquisition times do not move the start; without SeriesTime the earliest acquisition is used.
  s.acquisition_times = {"104600", "104700", "104800", "104900", "105000", "105100"};
  EXPECT_EQ(suv_bw_factor(written(s, "acq_later")).scan_start_tag, "SeriesTime");
  s.tags.erase(kSeriesTime);
  s.acquisition_times = {"104600", "104500", "104800", "104900", "105000", "105100"};
  auto g = suv_bw_factor(written(s, "acq_only"));
  EXPECT_EQ(g.scan_start_tag, "AcquisitionTime");
  EXPECT_NEAR(g.factor, kFactorDt4484_5, 1e-14 * kFactorDt4484_5);
}

// ITK applies each slice's own RescaleSlope: the image holds Bq/ml, which the factor multiplies.
TEST(SegAnyPetSuv, ItkAppliesPerSliceRescale) {
  const auto s = default_series();
  auto v = img::read_volume(written(s, "rescale"));
  ASSERT_EQ(v.geometry.size, (std::array<int64_t, 3>{s.nx, s.ny, s.nz}));
  EXPECT_NEAR(v.geometry.spacing[2], s.sz, 1e-9);
  for (int k = 0; k < s.nz; ++k)
    for (int j = 0; j < s.ny; ++j)
      for (int i = 0; i < s.nx; ++i)
        ASSERT_EQ(v.at(i, j, k),
                  static_cast<float>(s.stored(i, j, k) * Series::slope(k)))
            << i << "," << j << "," << k;
}

namespace {

// Each broken series and the text its error must contain (the tag's name and number).
std::vector<std::pair<std::string, std::string>> broken_series() {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const std::string& name, const Series& s, const std::string& msg) {
    out.emplace_back(written(s, "bad_" + name), msg);
  };
  auto s = default_series();
  s.tags.erase(kWeight);
  add("weight", s, "PatientWeight (0010,1030), which is missing");
  s = default_series();
  s.tags[kWeight].second = "0";
  add("weight0", s, "PatientWeight (0010,1030) must be positive");
  s = default_series();
  s.tags.erase(kUnits);
  add("units", s, "Units (0054,1001), which is missing");
  s = default_series();
  s.tags[kUnits].second = "CNTS";
  add("units_cnts", s, "Units (0054,1001) is 'CNTS'");
  s = default_series();
  s.tags.erase(kDecay);
  add("decay", s, "DecayCorrection (0054,1102) (START or ADMIN), which is missing");
  s = default_series();
  s.tags[kDecay].second = "NONE";
  add("decay_none", s, "DecayCorrection (0054,1102) is 'NONE'");
  s = default_series();
  s.tags[kModality].second = "MR";
  add("modality", s, "Modality (0008,0060) is 'MR'");
  s = default_series();
  s.sequence = false;
  add("sequence", s, "RadiopharmaceuticalInformationSequence (0054,0016), which is missing");
  s = default_series();
  s.radiopharmaceutical.erase(kDose);
  add("dose", s, "RadionuclideTotalDose (0018,1074) in RadiopharmaceuticalInformationSequence (0054,0016), which is missing");
  s = default_series();
  s.radiopharmaceutical[kDose].second = "lots";
  add("dose_text", s, "RadionuclideTotalDose (0018,1074) in RadiopharmaceuticalInformationSequence (0054,0016) is not a number");
  s = default_series();
  s.radiopharmaceutical.erase(kHalfLife);
  add("halflife", s, "RadionuclideHalfLife (0018,1075) in RadiopharmaceuticalInformationSequence (0054,0016), which is missing");
  s = default_series();
  s.radiopharmaceutical.erase(kInjTime);
  s.radiopharmaceutical.erase(kInjDateTime);
  add("injection", s, "RadiopharmaceuticalStartTime (0018,1072) or RadiopharmaceuticalStartDateTime (0018,1078)");
  s = default_series();
  s.radiopharmaceutical[kInjDateTime].second = "20240312xx3000";
  add("injection_text", s, "RadiopharmaceuticalStartDateTime (0018,1078) in RadiopharmaceuticalInformationSequence (0054,0016) is not a DICOM date-time");
  s = default_series();
  s.tags.erase(kSeriesTime);
  s.tags.erase(kAcqTime);
  add("scan_time", s, "SeriesTime (0008,0031) or AcquisitionTime (0008,0032), both missing");
  s = default_series();
  s.tags[kSeriesTime].second = "256000";
  add("scan_time_text", s, "SeriesTime (0008,0031) is not a DICOM time");
  return out;
}

}  // namespace

TEST(SegAnyPetSuv, MissingOrInvalidTagsAreNamed) {
  for (const auto& [dir, msg] : broken_series()) {
    const std::string e = error_of(dir);
    EXPECT_NE(e.find(msg), std::string::npos) << dir << ": " << e;
    EXPECT_NE(e.find(dir + "/slice"), std::string::npos) << e;  // names the file read
  }
  EXPECT_NE(error_of(temp_root() + "/no_such").find("no_such"), std::string::npos);
}

// --- the command line ---

namespace {

const std::string kBin = std::string(LABKIT_BIN_DIR) + "/seganypet-infer";

const std::string& tiny_model() {
  static const std::string m = [] {
    const std::string out = temp_root() + "/model";
    auto r = run_command(kBin + " init-model --model tiny --seed 3 --threads 1 --out " + shell_quote(out));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out + "/model.safetensors";
  }();
  return m;
}

nlohmann::json report(const std::string& out) {
  std::ifstream in(out + "/report.json");
  return nlohmann::json::parse(in);
}

labkit::test::CommandResult infer(const std::string& image, const std::string& extra, const std::string& out) {
  return run_command(kBin + " " + shell_quote(image) + " --checkpoint " + shell_quote(tiny_model()) +
                     " --point 12,10,3 --point 3,3,1,0 --threads 1 " + extra + " --out " + shell_quote(out));
}

}  // namespace

// With suv on, every reported value is the Bq/ml value times the factor; the mask is unchanged.
TEST(SegAnyPetSuv, CliReportsSuvValues) {
  const auto s = default_series();
  const auto dir = written(s, "cli");
  const auto out_bq = temp_root() + "/cli_bq", out_suv = temp_root() + "/cli_suv", out_set = temp_root() + "/cli_set";
  auto a = infer(dir, "", out_bq);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto b = infer(dir, "--suv", out_suv);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto c = infer(dir, "--set suv=true", out_set);
  ASSERT_EQ(c.exit_code, 0) << c.err;

  const auto mask = img::read_volume(out_bq + "/mask.nii.gz");
  EXPECT_EQ(mask.voxels, img::read_volume(out_suv + "/mask.nii.gz").voxels);
  const auto cb = report(out_bq)["metrics"]["cases"][0], cs = report(out_suv)["metrics"]["cases"][0];
  EXPECT_EQ(cb["values_unit"], "image");
  EXPECT_EQ(cs["values_unit"], "SUVbw");
  EXPECT_EQ(report(out_set)["metrics"]["cases"][0]["values_unit"], "SUVbw");
  const double factor = cs["suv"]["factor"].get<double>();
  EXPECT_NEAR(factor, kFactorDt4484_5, 1e-14 * kFactorDt4484_5);

  // The mask's mean and max in Bq/ml, recomputed here from the image ITK reads (checked above to be Bq/ml).
  const auto image = img::read_volume(dir);
  double sum = 0, mx = -1e300;
  int64_t n = 0;
  for (size_t i = 0; i < mask.voxels.size(); ++i)
    if (mask.voxels[i] > 0.5f) ++n, sum += image.voxels[i], mx = std::max(mx, double(image.voxels[i]));
  ASSERT_GT(n, 0) << "the tiny model segmented nothing; pick another click";
  const auto vb = cb["targets"][0]["values"], vs = cs["targets"][0]["values"];
  EXPECT_NEAR(vb["mean"].get<double>(), sum / double(n), 1e-9 * sum / double(n));
  EXPECT_NEAR(vb["max"].get<double>(), mx, 1e-9 * mx);
  EXPECT_NEAR(vs["mean"].get<double>(), sum / double(n) * kFactorDt4484_5, 1e-9 * sum / double(n) * kFactorDt4484_5);
  EXPECT_NEAR(vs["max"].get<double>(), mx * kFactorDt4484_5, 1e-12 * mx * kFactorDt4484_5);
  EXPECT_EQ(vs["volume_ml"], vb["volume_ml"]);
}

TEST(SegAnyPetSuv, CliBadInputExitsTwoNamingTheTag) {
  for (const auto& [dir, msg] : broken_series()) {
    const auto out = dir + "_out";
    auto r = infer(dir, "--suv", out);
    EXPECT_EQ(r.exit_code, 2) << dir << ": " << r.err;
    EXPECT_NE(r.err.find(msg), std::string::npos) << dir << ": " << r.err;
    EXPECT_FALSE(fs::exists(out + "/mask.nii.gz")) << dir;
  }
  // A NIfTI has no PET tags.
  const auto s = default_series();
  const auto nii = temp_root() + "/pet.nii.gz";
  img::write_volume(img::read_volume(written(s, "to_nifti")), nii);
  const auto out = temp_root() + "/nifti_out";
  auto r = infer(nii, "--set suv=true", out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("suv needs a PET DICOM series folder"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out + "/mask.nii.gz"));
}
