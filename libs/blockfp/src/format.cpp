// Format spec strings, validation, names.
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "labkit/blockfp/format.h"

namespace labkit::blockfp {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    if (ch == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  out.push_back(cur);
  return out;
}

bool starts(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

int to_int(const std::string& spec, const std::string& field, const std::string& digits) {
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("format '" + spec + "': field '" + field + "' needs an unsigned integer");
  if (digits.size() > 6) throw std::invalid_argument("format '" + spec + "': field '" + field + "' too large");
  return std::stoi(digits);
}

Format base(Kind kind) {
  // The one place the spec-string defaults live (documented in format.h and the README).
  return Format{kind, 32, 8, 8, Pivot::kMax, 0.5, 1, 2, 0, Rounding::kNearestEven, Overflow::kSaturate,
                MxElement::kInt8};
}

}  // namespace

Format parse_format(const std::string& spec) {
  static const std::pair<const char*, MxElement> mx_names[] = {
      {"mxint8", MxElement::kInt8},         {"mxfp8_e4m3", MxElement::kFp8E4M3}, {"mxfp8_e5m2", MxElement::kFp8E5M2},
      {"mxfp6_e3m2", MxElement::kFp6E3M2}, {"mxfp6_e2m3", MxElement::kFp6E2M3}, {"mxfp4_e2m1", MxElement::kFp4E2M1}};
  if (spec == "fp32") return base(Kind::kFloat32);
  for (const auto& [name, el] : mx_names) {
    if (spec == name) {
      Format f = base(Kind::kMx);
      f.mx = el;
      return f;
    }
  }
  auto parts = split(spec, ':');
  Format f;
  if (parts[0] == "bfp") {
    f = base(Kind::kBfp);
  } else if (parts[0] == "dbfp") {
    f = base(Kind::kDbfp);
  } else {
    throw std::invalid_argument("format '" + spec +
                                "': unknown kind (fp32, bfp:..., dbfp:..., mxint8, mxfp8_e4m3, mxfp8_e5m2, "
                                "mxfp6_e3m2, mxfp6_e2m3, mxfp4_e2m1)");
  }
  const bool dbfp = f.kind == Kind::kDbfp;
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    auto pivot_only = [&](const std::string& field) {
      if (!dbfp) throw std::invalid_argument("format '" + spec + "': '" + field + "' needs dbfp (bfp is max pivot, no grouping)");
    };
    if (p == "max" || p == "median") {
      pivot_only(p);
      f.pivot = p == "max" ? Pivot::kMax : Pivot::kMedian;
    } else if (starts(p, "outlier")) {
      pivot_only(p);
      f.pivot = Pivot::kOutlierAware;
      auto rest = p.substr(7);
      auto g = rest.find('g');
      if (!rest.empty() && g != 0) f.outlier_count = to_int(spec, p, rest.substr(0, g));
      if (g != std::string::npos) f.outlier_gap = to_int(spec, p, rest.substr(g + 1));
    } else if (starts(p, "split")) {
      pivot_only(p);
      f.split_range = to_int(spec, p, p.substr(5));
    } else if (p == "rne" || p == "sr" || p == "trunc") {
      f.rounding = p == "rne" ? Rounding::kNearestEven : p == "sr" ? Rounding::kStochastic : Rounding::kTruncate;
    } else if (p == "sat" || p == "inf") {
      f.overflow = p == "sat" ? Overflow::kSaturate : Overflow::kInfinity;
    } else if (p.size() > 1 && p[0] == 'p' && std::isdigit(static_cast<unsigned char>(p[1]))) {
      pivot_only(p);
      f.pivot = Pivot::kPercentile;
      f.percentile = to_int(spec, p, p.substr(1)) / 100.0;
    } else if (p.size() > 1 && (p[0] == 'b' || p[0] == 'm' || p[0] == 'e')) {
      int v = to_int(spec, p, p.substr(1));
      (p[0] == 'b' ? f.block : p[0] == 'm' ? f.mantissa_bits : f.exponent_bits) = v;
    } else {
      throw std::invalid_argument("format '" + spec + "': unknown field '" + p + "'");
    }
  }
  validate(f);
  return f;
}

void validate(const Format& f) {
  const std::string n = "format '" + f.name() + "': ";
  if (f.kind == Kind::kFloat32 || f.kind == Kind::kMx) return;
  if (f.block < 1 || f.block > 1024) throw std::invalid_argument(n + "block must be in 1..1024");
  if (f.mantissa_bits < 1 || f.mantissa_bits > 23) throw std::invalid_argument(n + "mantissa bits must be in 1..23");
  if (f.overflow == Overflow::kInfinity && f.mantissa_bits < 2)
    throw std::invalid_argument(n + "the inf overflow policy reserves a code: mantissa bits must be >= 2");
  if (f.exponent_bits < 2 || f.exponent_bits > 8) throw std::invalid_argument(n + "exponent bits must be in 2..8");
  if (!(f.percentile >= 0 && f.percentile <= 1)) throw std::invalid_argument(n + "percentile must be in 0..100");
  if (f.outlier_count < 1 || f.outlier_count >= f.block)
    throw std::invalid_argument(n + "outlier count must be in 1..block-1");
  if (f.outlier_gap < 1 || f.outlier_gap > 64) throw std::invalid_argument(n + "outlier gap must be in 1..64");
  if (f.split_range < 0 || f.split_range > 64) throw std::invalid_argument(n + "split range must be in 0..64");
}

std::string Format::name() const {
  switch (kind) {
    case Kind::kFloat32:
      return "fp32";
    case Kind::kMx:
      return std::string("mx") + (mx == MxElement::kInt8 ? "int8" : mx_info(mx).name);
    default:
      break;
  }
  std::ostringstream s;
  s << (kind == Kind::kBfp ? "bfp" : "dbfp") << ":b" << block << ":m" << mantissa_bits << ":e" << exponent_bits;
  if (kind == Kind::kDbfp) {
    switch (pivot) {
      case Pivot::kMax: s << ":max"; break;
      case Pivot::kMedian: s << ":median"; break;
      case Pivot::kPercentile: s << ":p" << static_cast<int>(std::lround(percentile * 100)); break;
      case Pivot::kOutlierAware: s << ":outlier" << outlier_count << "g" << outlier_gap; break;
    }
    if (split_range > 0) s << ":split" << split_range;
  }
  s << (rounding == Rounding::kNearestEven ? ":rne" : rounding == Rounding::kStochastic ? ":sr" : ":trunc");
  s << (overflow == Overflow::kSaturate ? ":sat" : ":inf");
  return s.str();
}

double Format::bits_per_element() const {
  switch (kind) {
    case Kind::kFloat32: return 32;
    case Kind::kMx: {
      auto i = mx_info(mx);
      return 1 + i.ebits + (mx == MxElement::kInt8 ? 7 : i.mbits) + 8.0 / 32;
    }
    default: break;
  }
  double bits = 1 + mantissa_bits + static_cast<double>(exponent_bits) / block;
  if (split_range > 0) bits += 1 + static_cast<double>(exponent_bits) / block;  // tag bit + second exponent
  return bits;
}

}  // namespace labkit::blockfp
