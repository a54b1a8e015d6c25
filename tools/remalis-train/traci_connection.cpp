#include "traci_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace labkit::remalis_train {

int free_tcp_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw TraciError("cannot create a socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw TraciError("cannot find a free TCP port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

TraciConnection::TraciConnection(int port, double timeout_s, const std::function<bool()>& alive) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw TraciError("cannot create a socket");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) break;
    ::close(fd_);
    fd_ = -1;
    if (!alive()) throw TraciError("sumo exited before accepting the connection");
    if (std::chrono::steady_clock::now() > until) throw TraciError("sumo did not accept a connection within the timeout");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

TraciConnection::~TraciConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void TraciConnection::send_bytes(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw TraciError(std::string("connection to sumo lost while sending: ") + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
}

namespace {
void read_exact(int fd, char* p, size_t n) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::recv(fd, p + done, n - done, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) throw TraciError("connection to sumo lost: it closed the socket");
    if (r < 0) throw TraciError(std::string("connection to sumo lost: ") + std::strerror(errno));
    done += static_cast<size_t>(r);
  }
}
}  // namespace

std::vector<TraciAnswer> TraciConnection::receive(const TraciRequest& request) {
  unsigned char head[4];
  read_exact(fd_, reinterpret_cast<char*>(head), 4);
  const uint32_t total = (uint32_t(head[0]) << 24) | (uint32_t(head[1]) << 16) | (uint32_t(head[2]) << 8) | head[3];
  if (total < 4 || total > (1u << 28)) throw TraciError("reply length " + std::to_string(total) + " is not plausible");
  std::string body(total - 4, '\0');
  read_exact(fd_, body.data(), body.size());
  ++round_trips_;
  return parse_reply(body, request.kinds(), request.ids());
}

}  // namespace labkit::remalis_train
