// The TraCI wire format (API 20, SUMO 1.15; sumo.dlr.de/docs/TraCI/Protocol.html), big-endian: building
// request messages with any number of commands, and parsing the reply to such a message. The reply is
// walked request by request (a get answers a status and a result, a step a status and its subscription
// results, a set only a status). Every read is bounds-checked: bytes from the socket are untrusted, and
// anything malformed is a TraciError, never a read past the end. Torch-free; fuzzed (fuzz/traci_reply).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace labkit::remalis_train {

class TraciError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A typed TraCI value: int (0x09), double (0x0B), string (0x0C), string list (0x0E), compound (0x0F),
// ubyte/byte (0x07/0x08), double list (0x10), colour (0x11).
struct TraciValue {
  uint8_t type = 0;
  int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<std::string> strings;
  std::vector<double> reals;
  std::vector<TraciValue> items;
};

// One request message: commands appended in order, then bytes() with the total length in front.
class TraciRequest {
 public:
  enum class Kind { kGet, kSet, kSubscribe, kStep, kClose, kVersion };
  void get(uint8_t cmd, uint8_t var, const std::string& id);
  void set_int(uint8_t cmd, uint8_t var, const std::string& id, int32_t value);
  void set_double(uint8_t cmd, uint8_t var, const std::string& id, double value);
  void subscribe(uint8_t cmd, const std::string& id, const std::vector<uint8_t>& vars);
  void step(double target_time);
  void close();
  void version();
  std::string bytes() const;
  const std::vector<Kind>& kinds() const { return kinds_; }
  // Each command's id, in order (parse_reply matches statuses by it).
  const std::vector<uint8_t>& ids() const { return ids_; }

 private:
  void command(uint8_t id, const std::string& payload, Kind kind);
  std::string body_;
  std::vector<Kind> kinds_;
  std::vector<uint8_t> ids_;
};

// One subscription result block: the object and its variables' values.
struct Subscription {
  uint8_t response = 0;  // e.g. 0xe3 lane, 0xeb simulation
  std::string id;
  std::vector<std::pair<uint8_t, TraciValue>> values;
};

// The answer to one request command.
struct TraciAnswer {
  uint8_t status = 0;  // 0x00 OK, 0x01 not implemented, 0xFF error
  std::string description;
  TraciValue value;                         // get: the result's value
  std::vector<Subscription> subscriptions;  // step: this step's subscription results; subscribe: the first
};

// Parses `reply` (without its 4-byte total length) against the request's commands (kinds and ids).
// sumo 1.15 leaves out the statuses of set commands that precede a simulationStep advancing more than
// one step in the same message (seen on the wire); a set whose status is missing is reported as
// status 0 with the description "(no status)".
std::vector<TraciAnswer> parse_reply(const std::string& reply, const std::vector<TraciRequest::Kind>& kinds,
                                     const std::vector<uint8_t>& ids);

}  // namespace labkit::remalis_train
