// The calendar event queue pops in the same (cycle, insertion) order as a binary heap, including
// far-future events (overflow), events for past cycles (late) and pushes made while popping.
#include <gtest/gtest.h>

#include <queue>
#include <random>

#include "event_queue.h"

namespace {

struct Ref {
  std::uint64_t cycle, seq, payload;
  bool operator>(const Ref& o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
};

TEST(EventQueue, SameOrderAsAHeapOnRandomTraffic) {
  std::mt19937_64 rng(3);
  labkit::nvr_sim::EventQueue<std::uint64_t> q;
  std::priority_queue<Ref, std::vector<Ref>, std::greater<>> ref;
  std::uint64_t seq = 0, now = 0, popped = 0;
  auto push = [&](std::uint64_t c) {
    q.push(c, seq);
    ref.push(Ref{c, seq, seq});
    ++seq;
  };
  for (int round = 0; round < 20000; ++round) {
    const int kind = int(rng() % 10);
    // near future (ring), same cycle, far future (overflow), a cycle already passed (late), huge jumps
    const std::uint64_t c = kind < 5   ? now + rng() % 400
                            : kind < 7 ? now
                            : kind < 8 ? now + 4096 + rng() % 20000
                            : kind < 9 ? (now > 50 ? now - rng() % 50 : now)
                                       : now + (1ull << 32) + rng() % 7;
    push(c);
    if (rng() % 3 == 0) {
      const std::uint64_t t = now + rng() % 600;
      labkit::nvr_sim::EventQueue<std::uint64_t>::Event e;
      while (q.pop_upto(t, e)) {
        ASSERT_FALSE(ref.empty());
        const Ref r = ref.top();
        ref.pop();
        ASSERT_EQ(e.cycle, r.cycle);
        ASSERT_EQ(e.payload, r.payload);
        now = std::max(now, e.cycle);
        ++popped;
        if (rng() % 4 == 0) push(e.cycle + rng() % 3);  // an event scheduling another (same cycle too)
      }
      ASSERT_TRUE(ref.empty() || ref.top().cycle > t);
      now = std::max(now, t);
    }
  }
  while (!q.empty()) {
    ASSERT_EQ(q.next_cycle(), ref.top().cycle);
    labkit::nvr_sim::EventQueue<std::uint64_t>::Event e;
    ASSERT_TRUE(q.pop_upto(q.next_cycle(), e));
    ASSERT_EQ(e.payload, ref.top().payload);
    ref.pop();
    ++popped;
  }
  EXPECT_TRUE(ref.empty());
  EXPECT_EQ(popped, seq);
}

}  // namespace
