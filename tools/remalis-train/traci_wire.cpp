#include "traci_wire.h"

#include <fmt/format.h>

#include <cstring>

namespace labkit::remalis_train {

namespace {

void put_u8(std::string& s, uint8_t v) { s.push_back(static_cast<char>(v)); }
void put_i32(std::string& s, int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((u >> shift) & 0xff));
}
void put_f64(std::string& s, double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  for (int shift = 56; shift >= 0; shift -= 8) s.push_back(static_cast<char>((u >> shift) & 0xff));
}
void put_string(std::string& s, const std::string& v) {
  put_i32(s, static_cast<int32_t>(v.size()));
  s += v;
}

class Reader {
 public:
  Reader(const std::string& s, size_t begin, size_t end) : s_(s), pos_(begin), end_(end) {}
  size_t pos() const { return pos_; }
  size_t left() const { return end_ - pos_; }
  void need(size_t n) const {
    if (n > left()) throw TraciError(fmt::format("reply truncated: {} bytes needed at byte {}, {} left", n, pos_, left()));
  }
  uint8_t u8() {
    need(1);
    return static_cast<uint8_t>(s_[pos_++]);
  }
  int32_t i32() {
    need(4);
    uint32_t u = 0;
    for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<uint8_t>(s_[pos_++]);
    return static_cast<int32_t>(u);
  }
  double f64() {
    need(8);
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<uint8_t>(s_[pos_++]);
    double d;
    std::memcpy(&d, &u, 8);
    return d;
  }
  size_t count(size_t min_bytes_each) {
    const int32_t n = i32();
    if (n < 0 || static_cast<size_t>(n) * min_bytes_each > left()) throw TraciError(fmt::format("count {} at byte {} exceeds the reply", n, pos_ - 4));
    return static_cast<size_t>(n);
  }
  std::string str() {
    const size_t n = count(1);
    std::string v = s_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  void skip_to(size_t p) { pos_ = p; }

 private:
  const std::string& s_;
  size_t pos_, end_;
};

TraciValue integer_value(uint8_t type, int64_t x) {
  TraciValue v;
  v.type = type;
  v.integer = x;
  return v;
}

TraciValue value_of(Reader& r, uint8_t type, int depth) {
  if (depth > 8) throw TraciError("compound values nested deeper than 8");
  TraciValue v;
  v.type = type;
  switch (type) {
    case 0x07: v.integer = r.u8(); break;
    case 0x08: v.integer = static_cast<int8_t>(r.u8()); break;
    case 0x09: v.integer = r.i32(); break;
    case 0x0B: v.real = r.f64(); break;
    case 0x0C: v.text = r.str(); break;
    case 0x0E: {
      const size_t n = r.count(4);
      for (size_t i = 0; i < n; ++i) v.strings.push_back(r.str());
      break;
    }
    case 0x0F: {
      const size_t n = r.count(1);
      for (size_t i = 0; i < n; ++i) v.items.push_back(value_of(r, r.u8(), depth + 1));
      break;
    }
    case 0x10: {
      const size_t n = r.count(8);
      for (size_t i = 0; i < n; ++i) v.reals.push_back(r.f64());
      break;
    }
    case 0x11:
      r.need(4);
      for (int i = 0; i < 4; ++i) v.items.push_back(integer_value(0x07, r.u8()));
      break;
    default: throw TraciError(fmt::format("unknown value type 0x{:02x} at byte {}", type, r.pos() - 1));
  }
  return v;
}

// A command's frame: returns its id and leaves `r` at its payload; `end` gets the frame's end.
uint8_t frame(Reader& r, size_t& end) {
  const size_t start = r.pos();
  size_t len = r.u8();
  if (len == 0) {
    const int32_t l = r.i32();
    if (l < 6) throw TraciError(fmt::format("command length {} at byte {}", l, start));
    len = static_cast<size_t>(l);
  } else if (len < 2) {
    throw TraciError(fmt::format("command length {} at byte {}", len, start));
  }
  if (len > r.left() + (r.pos() - start)) throw TraciError(fmt::format("command at byte {} claims {} bytes, more than the reply", start, len));
  end = start + len;
  return r.u8();
}

Subscription subscription_of(Reader& r) {
  size_t end = 0;
  Subscription s;
  s.response = frame(r, end);
  s.id = r.str();
  const int n = r.u8();
  for (int i = 0; i < n; ++i) {
    const uint8_t var = r.u8();
    const uint8_t status = r.u8();
    const uint8_t type = r.u8();
    auto v = value_of(r, type, 0);
    if (status != 0x00) throw TraciError(fmt::format("subscription of {} variable 0x{:02x} failed", s.id.substr(0, 40), var));
    s.values.emplace_back(var, std::move(v));
  }
  if (r.pos() > end) throw TraciError("subscription result overruns its command");
  r.skip_to(end);
  return s;
}

}  // namespace

void TraciRequest::command(uint8_t id, const std::string& payload, Kind kind) {
  if (payload.size() + 2 <= 255) {
    put_u8(body_, static_cast<uint8_t>(payload.size() + 2));
  } else {
    put_u8(body_, 0);
    put_i32(body_, static_cast<int32_t>(payload.size() + 6));
  }
  put_u8(body_, id);
  body_ += payload;
  kinds_.push_back(kind);
  ids_.push_back(id);
}

void TraciRequest::get(uint8_t cmd, uint8_t var, const std::string& id) {
  std::string p;
  put_u8(p, var);
  put_string(p, id);
  command(cmd, p, Kind::kGet);
}

void TraciRequest::set_int(uint8_t cmd, uint8_t var, const std::string& id, int32_t value) {
  std::string p;
  put_u8(p, var);
  put_string(p, id);
  put_u8(p, 0x09);
  put_i32(p, value);
  command(cmd, p, Kind::kSet);
}

void TraciRequest::set_double(uint8_t cmd, uint8_t var, const std::string& id, double value) {
  std::string p;
  put_u8(p, var);
  put_string(p, id);
  put_u8(p, 0x0B);
  put_f64(p, value);
  command(cmd, p, Kind::kSet);
}

void TraciRequest::subscribe(uint8_t cmd, const std::string& id, const std::vector<uint8_t>& vars) {
  std::string p;
  put_f64(p, 0.0);
  put_f64(p, 2147483647.0);
  put_string(p, id);
  put_u8(p, static_cast<uint8_t>(vars.size()));
  for (auto v : vars) put_u8(p, v);
  command(cmd, p, Kind::kSubscribe);
}

void TraciRequest::step(double target_time) {
  std::string p;
  put_f64(p, target_time);
  command(0x02, p, Kind::kStep);
}

void TraciRequest::close() { command(0x7F, "", Kind::kClose); }
void TraciRequest::version() { command(0x00, "", Kind::kVersion); }

std::string TraciRequest::bytes() const {
  std::string s;
  put_i32(s, static_cast<int32_t>(body_.size() + 4));
  return s + body_;
}

std::vector<TraciAnswer> parse_reply(const std::string& reply, const std::vector<TraciRequest::Kind>& kinds,
                                     const std::vector<uint8_t>& ids) {
  using Kind = TraciRequest::Kind;
  if (ids.size() != kinds.size()) throw std::logic_error("parse_reply: one id per kind");
  Reader r(reply, 0, reply.size());
  std::vector<TraciAnswer> out;
  for (size_t c = 0; c < kinds.size(); ++c) {
    const auto kind = kinds[c];
    TraciAnswer a;
    size_t end = 0;
    const size_t start = r.pos();
    const uint8_t id = frame(r, end);
    if (id != ids[c]) {
      if (kind != Kind::kSet) throw TraciError(fmt::format("status for command 0x{:02x} expected at byte {}, got 0x{:02x}", ids[c], start, id));
      r.skip_to(start);
      a.description = "(no status)";
      out.push_back(std::move(a));
      continue;
    }
    a.status = r.u8();
    a.description = r.str();
    if (r.pos() > end) throw TraciError("status overruns its command");
    r.skip_to(end);
    if (a.status == 0x00) {
      if (kind == Kind::kGet || kind == Kind::kVersion) {
        frame(r, end);
        if (kind == Kind::kGet) {
          r.u8();   // variable
          r.str();  // object id
          a.value = value_of(r, r.u8(), 0);
        } else {
          a.value.type = 0x0F;
          a.value.items.push_back(integer_value(0x09, r.i32()));
          TraciValue name;
          name.type = 0x0C;
          name.text = r.str();
          a.value.items.push_back(name);
        }
        if (r.pos() > end) throw TraciError("result overruns its command");
        r.skip_to(end);
      } else if (kind == Kind::kSubscribe) {
        a.subscriptions.push_back(subscription_of(r));
      } else if (kind == Kind::kStep) {
        const size_t n = r.count(2);
        for (size_t i = 0; i < n; ++i) a.subscriptions.push_back(subscription_of(r));
      }
    }
    out.push_back(std::move(a));
  }
  if (r.left() != 0) throw TraciError(fmt::format("{} bytes left over after the last answer", r.left()));
  return out;
}

}  // namespace labkit::remalis_train
