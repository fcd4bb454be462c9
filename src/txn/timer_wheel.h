// A hierarchical timer wheel: one per worker, shared by every layer of that
// worker that needs timers (transactions, dialogs, the proxy's timer C).
//
// Scheduling and cancelling are O(1); advance() costs O(1) per elapsed tick
// while timers are less than one level-0 revolution away, skips idle
// stretches a level-0 revolution (or more) at a time otherwise, plus the
// timers it fires or moves down a level. Four levels of 256 slots
// cover 2^32 ticks (about 497 days at the default 10 ms tick), so even a
// three-minute timer C or an hour-long dialog timeout sits in a slot instead
// of being rescanned every revolution, as a single-level hashed wheel would.
//
// Resolution is one tick: a timer never fires early, and at most one tick
// late relative to the times given to advance(). The wheel reads the clock
// only in schedule() (to turn a delay into a due time); advance() is told
// the time, so the owner decides when time moves.
//
// Not thread-safe: it belongs to one worker.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "txn/clock.h"

namespace tandem::txn {

// Names one scheduled timer. Generation-counted, so an id whose timer has
// fired or been cancelled never names a later timer that reuses the slot.
class TimerId {
  public:
    constexpr TimerId() = default;

    constexpr explicit operator bool() const { return generation_ != 0; }
    friend constexpr bool operator==(TimerId, TimerId) = default;

  private:
    friend class TimerWheel;
    constexpr TimerId(std::uint32_t index, std::uint32_t generation)
        : index_(index), generation_(generation) {}
    std::uint32_t index_ = 0;
    std::uint32_t generation_ = 0;  // 0: no timer
};

class TimerWheel {
  public:
    // libstdc++ keeps a callable of up to 16 trivially copyable bytes inside
    // std::function (a pointer and a 64-bit id, say) without allocating.
    using Callback = std::function<void()>;

    static constexpr Duration kDefaultTick{10};

    // `tick` is the resolution; it must be positive.
    explicit TimerWheel(const Clock& clock, Duration tick = kDefaultTick);

    TimerWheel(const TimerWheel&) = delete;
    TimerWheel& operator=(const TimerWheel&) = delete;

    // Runs `callback` once, from advance(), when `delay` (counted from
    // clock.now()) has passed. A delay of zero or less fires at the next
    // advance() call, even one that does not move time; a timer scheduled by a
    // callback with such a delay fires in the same advance() call. Delays
    // beyond the wheel's span are cut to the span.
    TimerId schedule(Duration delay, Callback callback);

    // Stops a pending timer. Returns false when `id` names no pending timer
    // (fired, cancelled, or never scheduled): cancelling twice is harmless.
    bool cancel(TimerId id);

    bool is_pending(TimerId id) const;

    // Fires, in due order (schedule order within one tick), every timer due
    // at or before `now`. Callbacks may schedule and cancel timers. Calls from
    // inside a callback do nothing. Returns the number of timers fired.
    std::size_t advance(TimePoint now);

    // The earliest time at which advance() will have something to do: a due
    // timer, or a far timer that must move to a finer level. nullopt when no
    // timer is pending. The owner arms its OS timer for this time.
    std::optional<TimePoint> next_due() const;

    std::size_t pending() const { return pending_; }
    Duration tick() const { return tick_; }
    const Clock& clock() const { return clock_; }

  private:
    static constexpr int kLevelBits = 8;
    static constexpr std::size_t kSlots = std::size_t{1} << kLevelBits;
    static constexpr std::size_t kSlotMask = kSlots - 1;
    static constexpr int kLevels = 4;
    static constexpr std::uint32_t kNone = UINT32_MAX;
    // List numbers: level * kSlots + slot for the wheel; then the ready list
    // (timers already due, fired in order by advance()).
    static constexpr std::uint32_t kReadyList = kLevels * kSlots;
    static constexpr std::uint32_t kListCount = kReadyList + 1;

    struct Node {
        Callback callback;
        std::uint64_t due_tick = 0;
        std::uint32_t generation = 1;
        std::uint32_t prev = kNone;
        std::uint32_t next = kNone;
        std::uint32_t list = kNone;  // kNone: free
    };

    std::uint64_t tick_of(TimePoint time) const;  // rounded down
    TimePoint time_of(std::uint64_t tick) const;
    void place(std::uint32_t index);  // into the list its due tick calls for
    void link_back(std::uint32_t list, std::uint32_t index);
    void unlink(std::uint32_t index);
    void release(std::uint32_t index);
    void cascade(std::uint64_t tick);
    std::size_t fire_ready();

    const Clock& clock_;
    Duration tick_;
    TimePoint origin_;
    std::uint64_t current_tick_ = 0;  // every tick up to this one has been processed
    std::size_t pending_ = 0;
    bool advancing_ = false;
    std::vector<Node> nodes_;
    std::vector<std::uint32_t> free_nodes_;
    std::array<std::uint32_t, kListCount> heads_;
    std::array<std::uint32_t, kListCount> tails_;
    std::array<std::size_t, kLevels> level_counts_{};  // timers on each level
};

}  // namespace tandem::txn
