// Time as the transaction layer sees it: a Clock it asks for "now", so a
// worker runs it on the steady clock and a test on a ManualClock it moves by
// hand.
#pragma once

#include <chrono>

namespace tandem::txn {

// Every SIP timer is a whole number of milliseconds.
using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::steady_clock::time_point;

class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

// The monotonic system clock, for the real worker.
class SteadyClock final : public Clock {
  public:
    TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

// A clock that only moves when told to: for tests and simulations.
class ManualClock final : public Clock {
  public:
    explicit ManualClock(TimePoint start = TimePoint{}) : now_(start) {}

    TimePoint now() const override { return now_; }
    void set(TimePoint now) { now_ = now; }
    void advance(Duration by) { now_ += by; }

  private:
    TimePoint now_;
};

}  // namespace tandem::txn
