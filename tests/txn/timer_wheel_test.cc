#include "txn/timer_wheel.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "txn/clock.h"

namespace tandem::txn {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

class TimerWheelTest : public ::testing::Test {
  protected:
    // Milliseconds since the test started.
    std::int64_t elapsed() const {
        return std::chrono::duration_cast<milliseconds>(clock.now() - TimePoint{}).count();
    }
    void advance(Duration by) {
        clock.advance(by);
        wheel.advance(clock.now());
    }
    // Advances in `step`s until `limit`, returning when `done()` holds.
    template <typename Done>
    void advance_until(Done done, Duration step, Duration limit) {
        for (Duration spent{0}; spent < limit && !done(); spent += step)
            advance(step);
    }

    ManualClock clock;
    TimerWheel wheel{clock};
};

TEST_F(TimerWheelTest, FiresWhenDueAndNotBefore) {
    int fired = 0;
    wheel.schedule(milliseconds(500), [&] { ++fired; });
    EXPECT_EQ(wheel.pending(), 1U);
    advance(milliseconds(490));
    EXPECT_EQ(fired, 0);
    advance(milliseconds(9));
    EXPECT_EQ(fired, 0);
    advance(milliseconds(1));
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(wheel.pending(), 0U);
    advance(seconds(10));
    EXPECT_EQ(fired, 1);
}

TEST_F(TimerWheelTest, RoundsUpToTheNextTickAndNeverFiresEarly) {
    clock.advance(milliseconds(3));  // between ticks
    int fired = 0;
    wheel.schedule(milliseconds(500), [&] { ++fired; });  // due at 503 ms
    wheel.advance(clock.now());
    clock.set(TimePoint{} + milliseconds(509));
    wheel.advance(clock.now());
    EXPECT_EQ(fired, 0);
    clock.set(TimePoint{} + milliseconds(510));
    wheel.advance(clock.now());
    EXPECT_EQ(fired, 1);
}

TEST_F(TimerWheelTest, AdvanceReturnsTheNumberFired) {
    wheel.schedule(milliseconds(10), [] {});
    wheel.schedule(milliseconds(20), [] {});
    wheel.schedule(milliseconds(500), [] {});
    clock.advance(milliseconds(20));
    EXPECT_EQ(wheel.advance(clock.now()), 2U);
    EXPECT_EQ(wheel.pending(), 1U);
}

TEST_F(TimerWheelTest, CancelStopsATimerOnce) {
    int fired = 0;
    const TimerId id = wheel.schedule(milliseconds(100), [&] { ++fired; });
    EXPECT_TRUE(wheel.is_pending(id));
    EXPECT_TRUE(wheel.cancel(id));
    EXPECT_FALSE(wheel.is_pending(id));
    EXPECT_FALSE(wheel.cancel(id));
    EXPECT_EQ(wheel.pending(), 0U);
    advance(seconds(1));
    EXPECT_EQ(fired, 0);
    EXPECT_FALSE(wheel.cancel(TimerId{}));
}

TEST_F(TimerWheelTest, AFiredTimersIdDoesNotNameItsSlotsNextTimer) {
    int first = 0;
    int second = 0;
    const TimerId old_id = wheel.schedule(milliseconds(10), [&] { ++first; });
    advance(milliseconds(10));
    EXPECT_EQ(first, 1);
    const TimerId new_id = wheel.schedule(milliseconds(10), [&] { ++second; });  // reuses the node
    EXPECT_NE(old_id, new_id);
    EXPECT_FALSE(wheel.cancel(old_id));
    EXPECT_TRUE(wheel.is_pending(new_id));
    advance(milliseconds(10));
    EXPECT_EQ(second, 1);
}

TEST_F(TimerWheelTest, ZeroDelayFiresOnTheNextAdvanceWithoutTimeMoving) {
    int fired = 0;
    wheel.schedule(Duration::zero(), [&] { ++fired; });
    EXPECT_EQ(fired, 0);
    wheel.advance(clock.now());
    EXPECT_EQ(fired, 1);
}

TEST_F(TimerWheelTest, ATimerScheduledByACallbackWithZeroDelayFiresInTheSameAdvance) {
    std::vector<int> order;
    wheel.schedule(milliseconds(100), [&] {
        order.push_back(1);
        wheel.schedule(Duration::zero(), [&] { order.push_back(2); });
        wheel.schedule(milliseconds(10), [&] { order.push_back(3); });
    });
    advance(milliseconds(100));
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
    advance(milliseconds(10));
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST_F(TimerWheelTest, ACallbackMayCancelATimerDueInTheSameTick) {
    int fired = 0;
    TimerId second;
    wheel.schedule(milliseconds(50), [&] {
        ++fired;
        EXPECT_TRUE(wheel.cancel(second));
    });
    second = wheel.schedule(milliseconds(50), [&] { fired += 100; });
    advance(milliseconds(50));
    EXPECT_EQ(fired, 1);
}

TEST_F(TimerWheelTest, TimersOfOneTickFireInScheduleOrder) {
    std::vector<int> order;
    for (int i = 0; i < 5; ++i)
        wheel.schedule(milliseconds(30), [&order, i] { order.push_back(i); });
    advance(milliseconds(30));
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST_F(TimerWheelTest, OneBigAdvanceFiresEverythingInDueOrder) {
    std::vector<int> order;
    wheel.schedule(seconds(40), [&] { order.push_back(3); });
    wheel.schedule(milliseconds(700), [&] { order.push_back(1); });
    wheel.schedule(seconds(5), [&] { order.push_back(2); });
    advance(minutes(5));
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST_F(TimerWheelTest, FarTimersFireAtTheirTimeAcrossEveryLevel) {
    // One per level: 2 s (level 0/1 boundary), 3 min (timer C), 2 h, 30 days.
    const std::vector<Duration> delays = {milliseconds(2550), milliseconds(2570), minutes(3),
                                          hours(2), hours(24 * 30)};
    std::vector<std::int64_t> fired_at(delays.size(), -1);
    for (std::size_t i = 0; i < delays.size(); ++i) {
        wheel.schedule(delays[i], [this, &fired_at, i] { fired_at[i] = elapsed(); });
    }
    // Walk time by jumping to next_due() each time, as a worker would.
    while (auto due = wheel.next_due()) {
        ASSERT_GE(*due, clock.now());
        clock.set(*due);
        wheel.advance(clock.now());
    }
    for (std::size_t i = 0; i < delays.size(); ++i) {
        EXPECT_EQ(fired_at[i], delays[i].count()) << "timer " << i;
    }
}

TEST_F(TimerWheelTest, NextDueIsTheNearestTimerOrCascadePoint) {
    EXPECT_FALSE(wheel.next_due().has_value());
    wheel.schedule(milliseconds(120), [] {});
    EXPECT_EQ(wheel.next_due(), TimePoint{} + milliseconds(120));
    const TimerId far = wheel.schedule(seconds(60), [] {});
    EXPECT_EQ(wheel.next_due(), TimePoint{} + milliseconds(120));
    advance(milliseconds(120));
    // The 60 s timer sits in a coarser level: the next event is a cascade
    // point, never later than the timer itself.
    const auto next = wheel.next_due();
    ASSERT_TRUE(next.has_value());
    EXPECT_GT(*next, clock.now());
    EXPECT_LE(*next, TimePoint{} + seconds(60));
    EXPECT_TRUE(wheel.cancel(far));
    EXPECT_FALSE(wheel.next_due().has_value());
    wheel.schedule(Duration::zero(), [] {});
    EXPECT_EQ(wheel.next_due(), clock.now());
}

TEST_F(TimerWheelTest, AdvanceFromInsideACallbackDoesNothing) {
    int fired = 0;
    wheel.schedule(milliseconds(10), [&] {
        ++fired;
        EXPECT_EQ(wheel.advance(clock.now() + seconds(100)), 0U);
    });
    wheel.schedule(milliseconds(50), [&] { ++fired; });
    advance(milliseconds(10));
    EXPECT_EQ(fired, 1);
    advance(milliseconds(40));
    EXPECT_EQ(fired, 2);
}

TEST_F(TimerWheelTest, DelaysBeyondTheSpanAreCutToTheSpan) {
    int fired = 0;
    // 2^32 ticks of 10 ms is about 497 days.
    wheel.schedule(hours(24 * 1000), [&] { ++fired; });
    advance(hours(24 * 496));
    EXPECT_EQ(fired, 0);
    advance(hours(24 * 2));
    EXPECT_EQ(fired, 1);
}

// Random schedules, cancels and advances against a plain reference model:
// every timer fires in the first advance() whose time reaches its due time
// rounded up to a tick, and never otherwise.
TEST_F(TimerWheelTest, AgreesWithAReferenceModelUnderRandomUse) {
    std::mt19937_64 random(7);
    struct Expected {
        std::int64_t due_ms;
        bool cancelled = false;
        std::int64_t fired_ms = -1;
    };
    std::vector<Expected> timers;
    std::vector<TimerId> ids;
    for (int round = 0; round < 3000; ++round) {
        const int action = static_cast<int>(random() % 10);
        if (action < 5) {
            // Mostly SIP-sized delays, sometimes long ones.
            const std::int64_t delay = (random() % 8 == 0)
                                           ? static_cast<std::int64_t>(random() % 4'000'000)
                                           : static_cast<std::int64_t>(random() % 40'000);
            const std::int64_t now = elapsed();
            const std::int64_t due = ((now + delay + 9) / 10) * 10;
            const std::size_t index = timers.size();
            timers.push_back({due});
            ids.push_back(wheel.schedule(milliseconds(delay), [this, &timers, index] {
                timers[index].fired_ms = elapsed();
            }));
        } else if (action < 6 && !timers.empty()) {
            const std::size_t index = random() % timers.size();
            const bool was_pending = timers[index].fired_ms < 0 && !timers[index].cancelled;
            EXPECT_EQ(wheel.cancel(ids[index]), was_pending);
            if (was_pending) timers[index].cancelled = true;
        } else {
            const std::int64_t step = static_cast<std::int64_t>(random() % 3000);
            const std::int64_t before = elapsed();
            advance(milliseconds(step));
            for (const Expected& timer : timers) {
                if (timer.cancelled) {
                    EXPECT_EQ(timer.fired_ms, -1);
                } else if (timer.due_ms <= elapsed()) {
                    EXPECT_GE(timer.fired_ms, 0);
                    if (timer.due_ms > before) {
                        EXPECT_EQ(timer.fired_ms, elapsed());
                    }
                } else {
                    EXPECT_EQ(timer.fired_ms, -1);
                }
            }
        }
    }
    std::size_t pending = 0;
    for (const Expected& timer : timers)
        pending += (!timer.cancelled && timer.fired_ms < 0);
    EXPECT_EQ(wheel.pending(), pending);
}

}  // namespace
}  // namespace tandem::txn
