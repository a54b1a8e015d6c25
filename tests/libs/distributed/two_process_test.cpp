// Two real processes on this machine join one Gloo group over TCP and all-reduce.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "run_command.h"

namespace {

// A TCP port that was free a moment ago (bind to port 0, read it back, close).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

}  // namespace

TEST(ProcessGroup, SingleProcessNeedsNoBackend) {
  const auto r = labkit::test::run_command("env -u RANK -u WORLD_SIZE -u SLURM_PROCID " +
                                           labkit::test::shell_quote(LABKIT_DIST_WORKER));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rank 0/1 single ok"), std::string::npos) << r.out;
}

TEST(ProcessGroup, TwoProcessGlooAllReduce) {
  if (!LABKIT_TEST_HAVE_GLOO) GTEST_SKIP() << "built without gloo headers";
  const std::string port = std::to_string(free_port());
  const std::string worker = labkit::test::shell_quote(LABKIT_DIST_WORKER);
  const std::string env = "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + port + " WORLD_SIZE=2 OMP_NUM_THREADS=1 ";
  // Both ranks in the background of one shell; the shell's exit status is non-zero if either failed.
  const auto r = labkit::test::run_command("(" + env + "RANK=0 " + worker + " & p0=$!; " + env + "RANK=1 " + worker +
                                           " & p1=$!; wait $p0; s0=$?; wait $p1; s1=$?; exit $((s0|s1)))");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("rank 0/2 gloo ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rank 1/2 gloo ok"), std::string::npos) << r.out;
}
