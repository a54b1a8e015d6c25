#include "suv.h"

#include <fmt/format.h>
#include <gdcmDataSet.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfItems.h>
#include <gdcmTag.h>
#include "labkit/imageio/image.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "labkit/core/error.h"

namespace labkit::seganypet_infer {

using labkit::input_error;

namespace {

constexpr double kDay = 86400.0;

struct TagName {
  uint16_t group, element;
  const char* name;
  std::string label() const { return fmt::format("{} ({:04X},{:04X})", name, group, element); }
  gdcm::Tag tag() const { return gdcm::Tag(group, element); }
};

const TagName kModality{0x0008, 0x0060, "Modality"};
const TagName kSeriesDate{0x0008, 0x0021, "SeriesDate"};
const TagName kAcquisitionDate{0x0008, 0x0022, "AcquisitionDate"};
const TagName kSeriesTime{0x0008, 0x0031, "SeriesTime"};
const TagName kAcquisitionTime{0x0008, 0x0032, "AcquisitionTime"};
const TagName kWeight{0x0010, 0x1030, "PatientWeight"};
const TagName kInjectionTime{0x0018, 0x1072, "RadiopharmaceuticalStartTime"};
const TagName kInjectionDateTime{0x0018, 0x1078, "RadiopharmaceuticalStartDateTime"};
const TagName kDose{0x0018, 0x1074, "RadionuclideTotalDose"};
const TagName kHalfLife{0x0018, 0x1075, "RadionuclideHalfLife"};
const TagName kRadiopharmaceuticalSeq{0x0054, 0x0016, "RadiopharmaceuticalInformationSequence"};
const TagName kUnits{0x0054, 0x1001, "Units"};
const TagName kDecayCorrection{0x0054, 0x1102, "DecayCorrection"};

// The value of a string-valued element without DICOM's space/NUL padding; nullopt if absent or empty.
std::optional<std::string> text(const gdcm::DataSet& ds, const TagName& t) {
  if (!ds.FindDataElement(t.tag())) return std::nullopt;
  const gdcm::DataElement& de = ds.GetDataElement(t.tag());
  const gdcm::ByteValue* bv = de.GetByteValue();
  if (de.IsEmpty() || !bv) return std::nullopt;
  std::string s(bv->GetPointer(), bv->GetLength());
  const auto b = s.find_first_not_of(std::string(" \0", 2));
  if (b == std::string::npos) return std::nullopt;
  return s.substr(b, s.find_last_not_of(std::string(" \0", 2)) - b + 1);
}

// A date and/or time of day. Times of day are seconds since midnight; day is a day number when known.
struct Stamp {
  std::optional<int64_t> day;
  double tod = 0;
};

// DICOM TM: HH[MM[SS[.F{1,6}]]] (also the ACR-NEMA HH:MM:SS form). nullopt when not a valid time.
std::optional<double> parse_tm(std::string s) {
  std::string t;
  for (char c : s)
    if (c != ':') t += c;
  const auto dot = t.find('.');
  const std::string whole = t.substr(0, dot);
  if (whole.size() < 2 || whole.size() > 6 || whole.size() % 2 || whole.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const int hh = std::stoi(whole.substr(0, 2));
  const int mm = whole.size() >= 4 ? std::stoi(whole.substr(2, 2)) : 0;
  const int ss = whole.size() >= 6 ? std::stoi(whole.substr(4, 2)) : 0;
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;  // 60: leap second, allowed by the standard
  double frac = 0;
  if (dot != std::string::npos) {
    const std::string f = t.substr(dot + 1);
    if (f.empty() || f.size() > 6 || f.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    frac = std::stod("0." + f);
  }
  return hh * 3600.0 + mm * 60.0 + ss + frac;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// DICOM DA: YYYYMMDD (also the ACR-NEMA YYYY.MM.DD form).
std::optional<int64_t> parse_da(const std::string& s) {
  std::string t;
  for (char c : s)
    if (c != '.') t += c;
  if (t.size() != 8 || t.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const int y = std::stoi(t.substr(0, 4)), m = std::stoi(t.substr(4, 2)), d = std::stoi(t.substr(6, 2));
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

// DICOM DT: YYYYMMDDHH[MM[SS[.F]]][&ZZXX]. The UTC offset is ignored: the series times it is compared
// with carry none, and all of them are the scanner's local time.
std::optional<Stamp> parse_dt(const std::string& s) {
  std::string t = s.substr(0, s.find_first_of("+-", 8 > s.size() ? s.size() : 8));
  if (t.size() < 10) return std::nullopt;  // a date alone says nothing about the time of injection
  auto day = parse_da(t.substr(0, 8));
  auto tod = parse_tm(t.substr(8));
  if (!day || !tod) return std::nullopt;
  return Stamp{day, *tod};
}

// b - a in seconds. With both dates known, exact. Without, times of day only: `wrap` maps the
// difference into [0, 24 h) (b follows a, possibly across midnight) or, if not, into [-12 h, 12 h).
double seconds_between(const Stamp& a, const Stamp& b, bool wrap, bool* crossed = nullptr) {
  if (a.day && b.day) return double(*b.day - *a.day) * kDay + (b.tod - a.tod);
  double d = b.tod - a.tod;
  if (wrap && d < 0) {
    d += kDay;
    if (crossed) *crossed = true;
  }
  if (!wrap) {
    if (d >= kDay / 2) d -= kDay;
    if (d < -kDay / 2) d += kDay;
  }
  return d;
}

struct Header {
  std::string file;
  gdcm::Reader reader;
  const gdcm::DataSet& ds() const { return reader.GetFile().GetDataSet(); }
};

double positive_ds(const gdcm::DataSet& ds, const TagName& t, const std::string& file, const std::string& where) {
  auto v = text(ds, t);
  if (!v) throw input_error(file, fmt::format("SUV needs {}{}, which is missing or empty", t.label(), where));
  const std::string first = v->substr(0, v->find('\\'));  // DS may be multi-valued; one value is expected
  char* end = nullptr;
  const double x = std::strtod(first.c_str(), &end);
  while (end && *end == ' ') ++end;
  if (first.empty() || !end || *end != '\0' || !std::isfinite(x))
    throw input_error(file, fmt::format("{}{} is not a number: '{}'", t.label(), where, *v));
  if (!(x > 0)) throw input_error(file, fmt::format("{}{} must be positive for SUV, got {}", t.label(), where, *v));
  return x;
}

std::optional<Stamp> date_time(const gdcm::DataSet& ds, const TagName& date, const TagName& time,
                               const std::string& file) {
  auto tm = text(ds, time);
  if (!tm) return std::nullopt;
  auto tod = parse_tm(*tm);
  if (!tod) throw input_error(file, fmt::format("{} is not a DICOM time (HHMMSS.FFFFFF): '{}'", time.label(), *tm));
  Stamp s{std::nullopt, *tod};
  if (auto da = text(ds, date)) {
    s.day = parse_da(*da);
    if (!s.day) throw input_error(file, fmt::format("{} is not a DICOM date (YYYYMMDD): '{}'", date.label(), *da));
  }
  return s;
}

}  // namespace

nlohmann::json SuvFactor::to_json() const {
  return {{"factor", factor},
          {"weight_kg", weight_kg},
          {"dose_bq", dose_bq},
          {"half_life_s", half_life_s},
          {"decay_seconds", decay_seconds},
          {"decay_fraction", decay_fraction},
          {"decay_correction", decay_correction},
          {"scan_start_tag", scan_start_tag},
          {"injection_tag", injection_tag},
          {"crossed_midnight", crossed_midnight}};
}

// DecayCorrection START: dt from the injection (radiopharmaceutical item `rp`) to the scan start (series
// or earliest acquisition time over `headers`), into f.decay_seconds / f.decay_fraction.
static void decay_to_scan_start(SuvFactor& f, const std::vector<std::unique_ptr<Header>>& headers,
                                const gdcm::DataSet& ds, const gdcm::DataSet& rp, const std::string& file,
                                const std::string& in_seq) {
  // Injection: the DT tag (with its date) if present, else the TM tag (time of day only).
  std::optional<Stamp> injection;
  if (auto dt = text(rp, kInjectionDateTime)) {
    injection = parse_dt(*dt);
    if (!injection)
      throw input_error(file, fmt::format("{}{} is not a DICOM date-time (YYYYMMDDHHMMSS): '{}'",
                                          kInjectionDateTime.label(), in_seq, *dt));
    f.injection_tag = kInjectionDateTime.name;
  } else if (auto tm = text(rp, kInjectionTime)) {
    auto tod = parse_tm(*tm);
    if (!tod)
      throw input_error(file, fmt::format("{}{} is not a DICOM time (HHMMSS.FFFFFF): '{}'", kInjectionTime.label(),
                                          in_seq, *tm));
    injection = Stamp{std::nullopt, *tod};
    f.injection_tag = kInjectionTime.name;
  } else {
    throw input_error(file, fmt::format("SUV needs {} or {}{}, both missing", kInjectionTime.label(),
                                        kInjectionDateTime.label(), in_seq));
  }
  // Scan start: SeriesDate/Time, unless a slice was acquired earlier (the series time was rewritten
  // by reconstruction or export), then the earliest AcquisitionDate/Time; without SeriesTime, the latter.
  std::optional<Stamp> scan = date_time(ds, kSeriesDate, kSeriesTime, file);
  f.scan_start_tag = scan ? kSeriesTime.name : "";
  std::optional<Stamp> earliest;
  for (const auto& h : headers)
    if (auto a = date_time(h->ds(), kAcquisitionDate, kAcquisitionTime, h->file))
      if (!earliest || seconds_between(*earliest, *a, /*wrap=*/false) < 0) earliest = a;
  if (earliest && (!scan || seconds_between(*scan, *earliest, /*wrap=*/false) < 0)) {
    scan = earliest;
    f.scan_start_tag = kAcquisitionTime.name;
  }
  if (!scan)
    throw input_error(file, fmt::format("SUV with {} START needs the scan start: {} or {}, both missing",
                                        kDecayCorrection.label(), kSeriesTime.label(), kAcquisitionTime.label()));
  f.decay_seconds = seconds_between(*injection, *scan, /*wrap=*/true, &f.crossed_midnight);
  if (f.decay_seconds < 0)
    throw input_error(file, fmt::format("the injection ({}) is {:.0f} s after the scan start ({})", f.injection_tag,
                                        -f.decay_seconds, f.scan_start_tag));
  f.decay_fraction = std::exp2(-f.decay_seconds / f.half_life_s);
}

SuvFactor suv_bw_factor(const std::string& dir) {
  const std::vector<std::string> files = labkit::imageio::dicom_series_files(dir);
  std::vector<std::unique_ptr<Header>> headers;
  for (const auto& path : files) {
    headers.push_back(std::make_unique<Header>());
    headers.back()->file = path;
    headers.back()->reader.SetFileName(path.c_str());
    if (!headers.back()->reader.ReadUpToTag(gdcm::Tag(0x7fe0, 0x0010)))  // headers only, not the pixels
      throw input_error(path, "cannot read the DICOM header");
  }
  // Patient, dose and image-wide tags from the first file of the series; scan times from all files.
  const std::string& file = headers.front()->file;
  const gdcm::DataSet& ds = headers.front()->ds();

  const auto modality = text(ds, kModality);
  if (!modality) throw input_error(file, "SUV needs " + kModality.label() + " PT, which is missing");
  if (*modality != "PT") throw input_error(file, kModality.label() + " is '" + *modality + "': SUV needs a PET (PT) series");
  const auto units = text(ds, kUnits);
  if (!units) throw input_error(file, "SUV needs " + kUnits.label() + ", which is missing or empty");
  if (*units != "BQML")
    throw input_error(file, kUnits.label() + " is '" + *units +
                                "': SUV here needs activity concentration in Bq/ml (BQML)");
  SuvFactor f;
  const auto dc = text(ds, kDecayCorrection);
  if (!dc) throw input_error(file, "SUV needs " + kDecayCorrection.label() + " (START or ADMIN), which is missing or empty");
  if (*dc != "START" && *dc != "ADMIN")
    throw input_error(file, kDecayCorrection.label() + " is '" + *dc +
                                "': SUV needs images decay corrected to the scan start (START) or the administration "
                                "(ADMIN); per-frame correction of uncorrected images is not supported");
  f.decay_correction = *dc;

  f.weight_kg = positive_ds(ds, kWeight, file, "");
  if (!ds.FindDataElement(kRadiopharmaceuticalSeq.tag()))
    throw input_error(file, "SUV needs " + kRadiopharmaceuticalSeq.label() + ", which is missing");
  const gdcm::SmartPointer<gdcm::SequenceOfItems> seq =
      ds.GetDataElement(kRadiopharmaceuticalSeq.tag()).GetValueAsSQ();
  if (!seq || seq->GetNumberOfItems() == 0)
    throw input_error(file, "SUV needs " + kRadiopharmaceuticalSeq.label() + ", which has no item");
  const gdcm::DataSet& rp = seq->GetItem(1).GetNestedDataSet();  // the first radiopharmaceutical
  const std::string in_seq = " in " + kRadiopharmaceuticalSeq.label();
  f.dose_bq = positive_ds(rp, kDose, file, in_seq);
  f.half_life_s = positive_ds(rp, kHalfLife, file, in_seq);

  if (f.decay_correction == "START") decay_to_scan_start(f, headers, ds, rp, file, in_seq);
  f.factor = f.weight_kg * 1000.0 / (f.dose_bq * f.decay_fraction);
  return f;
}

}  // namespace labkit::seganypet_infer
