// Channels between mutator threads, on every collector: what a channel holds
// survives collections (and moves with a moving collector), blocked senders and
// receivers never hold up a collection, and closing wakes every waiter.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/channel.h"
#include "runtime/collector.h"
#include "runtime/mutator.h"
#include "runtime/runtime.h"
#include "tests/testing/test_program.h"

namespace gclab {
namespace {

using testing::MakeTestRuntime;
using testing::TestProgram;

class ChannelThreadsTest : public ::testing::TestWithParam<std::string> {};

// A message: a node carrying seq, pointing to a node carrying ~seq that nothing
// else reaches. Left in `out`, a root slot.
void NewMessage(Mutator& m, const TestProgram& p, Ref& out, int64_t seq) {
  out = m.Allocate(*p.new_node);
  out->i64(1) = seq;
  Ref inner = m.Allocate(*p.new_node);
  inner->i64(1) = ~seq;
  m.Store(out, 0, inner);
}

TEST_P(ChannelThreadsTest, MessagesCrossThreadsIntactThroughCollections) {
  TestProgram p;
  // A small heap, so that both threads collect often while messages are in flight.
  const bool reclaims = CollectorRegistry::Global().FindSpec(GetParam())->traits.reclaims;
  auto rt = MakeTestRuntime(GetParam(), p, {.heap_bytes = reclaims ? 4 * MiB : 256 * MiB});
  ASSERT_NE(rt, nullptr);
  constexpr int64_t kMessages = 20'000;
  std::atomic<int64_t> received{0}, bad{0};
  {
    Mutator main(*rt);
    FrameScope f(main, *p.frame);
    MakeChannel(main, p.channels, 4, &f[0]);
    main.StoreGlobal(p.roots[0], f[0]);
  }
  std::thread consumer([&] {
    Mutator m(*rt);
    FrameScope f(m, *p.frame);  // 0: channel, 1: message, 2: garbage
    f[0] = rt->data().LoadRef(p.roots[0]);
    int64_t expected = 0;
    while (ChannelReceive(m, &f[0], &f[1])) {
      if (f[1]->i64(1) != expected || f[1]->ref(0) == nullptr ||
          f[1]->ref(0)->i64(1) != ~expected) {
        ++bad;
      }
      ++expected;
      f[1] = nullptr;
      for (int i = 0; i < 8; ++i) f[2] = m.AllocateArray(*p.new_byte_array, 200);
    }
    received = expected;
  });
  {
    Mutator m(*rt);
    FrameScope f(m, *p.frame);
    f[0] = rt->data().LoadRef(p.roots[0]);
    for (int64_t seq = 0; seq < kMessages; ++seq) {
      NewMessage(m, p, f[1], seq);
      if (!ChannelSend(m, &f[0], &f[1])) {
        ADD_FAILURE() << "the channel closed under the sender";
        break;
      }
      f[1] = nullptr;
      for (int i = 0; i < 8; ++i) f[2] = m.AllocateArray(*p.new_byte_array, 200);
    }
    ChannelClose(m, &f[0]);
    BlockingScope joining(m);
    consumer.join();
  }
  EXPECT_EQ(received.load(), kMessages);
  EXPECT_EQ(bad.load(), 0);
  if (reclaims) {
    EXPECT_GT(rt->collector().Usage().collections, 2u);
  }
}

TEST_P(ChannelThreadsTest, BufferedValuesAreKeptAliveOnlyByTheChannel) {
  TestProgram p;
  auto rt = MakeTestRuntime(GetParam(), p);
  ASSERT_NE(rt, nullptr);
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  MakeChannel(m, p.channels, 8, &f[0]);
  for (int64_t seq = 0; seq < 8; ++seq) {
    NewMessage(m, p, f[1], seq);
    ASSERT_TRUE(ChannelSend(m, &f[0], &f[1]));
  }
  f[1] = nullptr;
  m.Collect();
  m.Collect();
  for (int64_t seq = 0; seq < 8; ++seq) {
    ASSERT_TRUE(ChannelReceive(m, &f[0], &f[1]));
    EXPECT_EQ(f[1]->i64(1), seq);
    EXPECT_EQ(f[1]->ref(0)->i64(1), ~seq);
  }
  f[1] = nullptr;
  // Received values are no longer in the buffer: the channel keeps nothing alive.
  // (A conservative collector counts whole blocks and whatever stale words keep.)
  m.Collect();
  if (rt->collector().traits().reclaims && !rt->collector().traits().conservative) {
    EXPECT_LT(rt->collector().Usage().live_bytes, 4096u);
  }
}

TEST_P(ChannelThreadsTest, ClosingWakesBlockedReceiversAndRefusesSends) {
  TestProgram p;
  auto rt = MakeTestRuntime(GetParam(), p);
  ASSERT_NE(rt, nullptr);
  {
    Mutator main(*rt);
    FrameScope f(main, *p.frame);
    MakeChannel(main, p.channels, 1, &f[0]);
    main.StoreGlobal(p.roots[0], f[0]);
  }
  std::atomic<int> woken{0};
  std::vector<std::thread> receivers;
  for (int i = 0; i < 3; ++i) {
    receivers.emplace_back([&] {
      Mutator m(*rt);
      FrameScope f(m, *p.frame);
      f[0] = rt->data().LoadRef(p.roots[0]);
      if (!ChannelReceive(m, &f[0], &f[1]) && f[1] == nullptr) ++woken;
    });
  }
  Mutator m(*rt);
  FrameScope f(m, *p.frame);
  f[0] = rt->data().LoadRef(p.roots[0]);
  m.Collect();  // with the receivers blocked: they count as stopped
  ChannelClose(m, &f[0]);
  {
    BlockingScope joining(m);
    for (std::thread& t : receivers) t.join();
  }
  EXPECT_EQ(woken.load(), 3);
  f[1] = m.Allocate(*p.new_node);
  EXPECT_FALSE(ChannelSend(m, &f[0], &f[1]));
}

INSTANTIATE_TEST_SUITE_P(EveryCollector, ChannelThreadsTest,
                         ::testing::ValuesIn(CollectorRegistry::Global().SpecsToTest()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return testing::TestNameOf(info.param);
                         });

}  // namespace
}  // namespace gclab
