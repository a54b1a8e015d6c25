// A TCP connection to a sumo TraCI server: connect (retrying while sumo loads its network), send a whole
// request message, receive its reply. One round trip per message however many commands it holds, which
// is why the environment batches each decision into one message. Torch-free.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "traci_wire.h"

namespace labkit::remalis_train {

// A port nobody listens on right now (bind to 0, read it, close). Racy by nature: callers retry.
int free_tcp_port();

class TraciConnection {
 public:
  // Connects to 127.0.0.1:port, retrying every 20 ms for `timeout_s` while `alive()` is true. Throws
  // TraciError when it cannot.
  TraciConnection(int port, double timeout_s, const std::function<bool()>& alive);
  ~TraciConnection();
  TraciConnection(const TraciConnection&) = delete;
  TraciConnection& operator=(const TraciConnection&) = delete;

  void send(const TraciRequest& request) { send_bytes(request.bytes()); }
  // Several whole messages at once (their replies are then received one by one, in order).
  void send_bytes(const std::string& bytes);
  std::vector<TraciAnswer> receive(const TraciRequest& request);
  std::vector<TraciAnswer> call(const TraciRequest& request) {
    send(request);
    return receive(request);
  }
  int64_t round_trips() const { return round_trips_; }

 private:
  int fd_ = -1;
  int64_t round_trips_ = 0;
};

}  // namespace labkit::remalis_train
