// Body-weight SUV for a PET DICOM series: the factor that turns the series' activity concentration
// (Bq/ml, rescale slope/intercept applied as ITK reads it) into SUVbw, from the DICOM tags read with GDCM.
//   SUVbw = C[Bq/ml] * weight[g] / (dose[Bq] * 2^(-dt / half_life))
// with dt from the injection to the scan start when the images are decay corrected to the scan start
// (DecayCorrection START) and dt = 0 when they are decay corrected to the administration (ADMIN).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace labkit::seganypet_infer {

struct SuvFactor {
  double factor = 0;           // SUVbw per Bq/ml (g/ml per Bq/ml)
  double weight_kg = 0;        // PatientWeight (0010,1030)
  double dose_bq = 0;          // RadionuclideTotalDose (0018,1074), at injection
  double half_life_s = 0;      // RadionuclideHalfLife (0018,1075)
  double decay_seconds = 0;    // dt: injection -> scan start (0 for ADMIN)
  double decay_fraction = 1;   // 2^(-dt / half_life)
  std::string decay_correction;  // START or ADMIN
  std::string scan_start_tag;    // which tag gave the scan start ("SeriesTime", "AcquisitionTime", "" for ADMIN)
  std::string injection_tag;     // "RadiopharmaceuticalStartDateTime", "RadiopharmaceuticalStartTime", ""
  bool crossed_midnight = false; // times without dates, injection time of day after the scan's: +24 h

  nlohmann::json to_json() const;
};

// Reads the headers of the DICOM series in `dir` (the same series, chosen the same way, as
// labkit::imageio::read_volume reads: the first series GDCM finds, with series details) and computes the
// factor. InputError "<file>: ..." naming the missing or invalid tag (Modality not PT, Units not BQML,
// DecayCorrection NONE or unknown, a weight/dose/half-life that is missing or not positive, a missing
// injection or scan time, an injection after the scan start).
SuvFactor suv_bw_factor(const std::string& dir);

}  // namespace labkit::seganypet_infer
