#include "txn/timer_wheel.h"

#include <cassert>
#include <utility>

namespace tandem::txn {

TimerWheel::TimerWheel(const Clock& clock, Duration tick)
    : clock_(clock), tick_(tick), origin_(clock.now()) {
    assert(tick_.count() > 0);
    heads_.fill(kNone);
    tails_.fill(kNone);
}

std::uint64_t TimerWheel::tick_of(TimePoint time) const {
    if (time <= origin_) return 0;
    const auto elapsed = std::chrono::duration_cast<Duration>(time - origin_);
    return static_cast<std::uint64_t>(elapsed.count() / tick_.count());
}

TimePoint TimerWheel::time_of(std::uint64_t tick) const {
    return origin_ + tick_ * static_cast<Duration::rep>(tick);
}

TimerId TimerWheel::schedule(Duration delay, Callback callback) {
    // Round the due time up to a whole tick so a timer never fires early.
    const auto since_origin = std::chrono::duration_cast<Duration>(clock_.now() - origin_) + delay;
    std::uint64_t due = 0;
    if (since_origin.count() > 0) {
        due =
            static_cast<std::uint64_t>((since_origin.count() + tick_.count() - 1) / tick_.count());
    }
    constexpr std::uint64_t kSpan = (std::uint64_t{1} << (kLevelBits * kLevels)) - 1;
    if (due > current_tick_ && due - current_tick_ > kSpan) due = current_tick_ + kSpan;

    std::uint32_t index;
    if (!free_nodes_.empty()) {
        index = free_nodes_.back();
        free_nodes_.pop_back();
    } else {
        index = static_cast<std::uint32_t>(nodes_.size());
        nodes_.emplace_back();
    }
    Node& node = nodes_[index];
    node.callback = std::move(callback);
    node.due_tick = due;
    place(index);
    ++pending_;
    return TimerId(index, node.generation);
}

void TimerWheel::place(std::uint32_t index) {
    const std::uint64_t due = nodes_[index].due_tick;
    if (due <= current_tick_) {
        link_back(kReadyList, index);
        return;
    }
    const std::uint64_t delta = due - current_tick_;
    for (int level = 0; level < kLevels; ++level) {
        const int shift = kLevelBits * level;
        if (level == kLevels - 1 || delta < (std::uint64_t{1} << (shift + kLevelBits))) {
            const auto slot = static_cast<std::uint32_t>((due >> shift) & kSlotMask);
            link_back(static_cast<std::uint32_t>(level) * kSlots + slot, index);
            return;
        }
    }
}

void TimerWheel::link_back(std::uint32_t list, std::uint32_t index) {
    Node& node = nodes_[index];
    node.list = list;
    if (list < kReadyList) ++level_counts_[list / kSlots];
    node.next = kNone;
    node.prev = tails_[list];
    if (tails_[list] != kNone) {
        nodes_[tails_[list]].next = index;
    } else {
        heads_[list] = index;
    }
    tails_[list] = index;
}

void TimerWheel::unlink(std::uint32_t index) {
    Node& node = nodes_[index];
    if (node.prev != kNone) {
        nodes_[node.prev].next = node.next;
    } else {
        heads_[node.list] = node.next;
    }
    if (node.next != kNone) {
        nodes_[node.next].prev = node.prev;
    } else {
        tails_[node.list] = node.prev;
    }
    if (node.list < kReadyList) --level_counts_[node.list / kSlots];
    node.prev = node.next = kNone;
    node.list = kNone;
}

void TimerWheel::release(std::uint32_t index) {
    Node& node = nodes_[index];
    node.callback = nullptr;  // drop captures now, not when the node is reused
    if (++node.generation == 0) node.generation = 1;
    free_nodes_.push_back(index);
    --pending_;
}

bool TimerWheel::is_pending(TimerId id) const {
    return id && id.index_ < nodes_.size() && nodes_[id.index_].generation == id.generation_ &&
           nodes_[id.index_].list != kNone;
}

bool TimerWheel::cancel(TimerId id) {
    if (!is_pending(id)) return false;
    unlink(id.index_);
    release(id.index_);
    return true;
}

void TimerWheel::cascade(std::uint64_t tick) {
    // At a tick whose low 8*L bits are zero, the level-L slot that covers
    // the coming 2^(8L) ticks is emptied into the levels below it. Higher
    // levels go first, so a timer coming down from level 2 into the level-1
    // slot that is due now is moved on down in the same tick.
    for (int level = kLevels - 1; level >= 1; --level) {
        const int shift = kLevelBits * level;
        if ((tick & ((std::uint64_t{1} << shift) - 1)) != 0) continue;
        const auto slot = static_cast<std::uint32_t>((tick >> shift) & kSlotMask);
        const std::uint32_t list = static_cast<std::uint32_t>(level) * kSlots + slot;
        std::uint32_t index = heads_[list];
        heads_[list] = tails_[list] = kNone;
        while (index != kNone) {
            const std::uint32_t next = nodes_[index].next;
            --level_counts_[static_cast<std::size_t>(level)];
            place(index);
            index = next;
        }
    }
}

std::size_t TimerWheel::fire_ready() {
    std::size_t fired = 0;
    while (heads_[kReadyList] != kNone) {
        const std::uint32_t index = heads_[kReadyList];
        unlink(index);
        // Move the callback out before releasing the node: the callback may
        // schedule timers, which may grow nodes_ or reuse this node.
        Callback callback = std::move(nodes_[index].callback);
        release(index);
        ++fired;
        callback();
    }
    return fired;
}

std::size_t TimerWheel::advance(TimePoint now) {
    if (advancing_) return 0;
    advancing_ = true;
    const std::uint64_t target = tick_of(now);
    std::size_t fired = 0;
    while (true) {
        fired += fire_ready();
        if (current_tick_ >= target) break;
        if (pending_ == 0) {
            // Nothing to move or fire on the way: jump.
            current_tick_ = target;
            break;
        }
        // With the finer levels empty nothing can happen before the next
        // tick at which the lowest non-empty level cascades: jump to it.
        int lowest = 0;
        while (lowest < kLevels && level_counts_[static_cast<std::size_t>(lowest)] == 0)
            ++lowest;
        if (lowest > 0 && lowest < kLevels) {
            const int shift = kLevelBits * lowest;
            const std::uint64_t boundary = ((current_tick_ >> shift) + 1) << shift;
            if (boundary > target) {
                current_tick_ = target;
                continue;
            }
            current_tick_ = boundary - 1;
        }
        ++current_tick_;
        cascade(current_tick_);
        // Everything in this level-0 slot is due exactly now: a timer lands
        // in level 0 only when it is less than one revolution away.
        const std::uint32_t list = static_cast<std::uint32_t>(current_tick_ & kSlotMask);
        std::uint32_t index = heads_[list];
        heads_[list] = tails_[list] = kNone;
        while (index != kNone) {
            const std::uint32_t next = nodes_[index].next;
            --level_counts_[0];
            link_back(kReadyList, index);
            index = next;
        }
    }
    advancing_ = false;
    return fired;
}

std::optional<TimePoint> TimerWheel::next_due() const {
    if (pending_ == 0) return std::nullopt;
    if (heads_[kReadyList] != kNone) return time_of(current_tick_);
    std::optional<std::uint64_t> best;
    // Level 0: the next 255 ticks, slot by slot.
    for (std::uint64_t k = 1; k < kSlots; ++k) {
        const std::uint64_t tick = current_tick_ + k;
        if (heads_[tick & kSlotMask] != kNone) {
            best = tick;
            break;
        }
    }
    // Higher levels: the first non-empty slot is due to cascade at the start
    // of its block. A slot may be a full revolution away (k == kSlots).
    for (int level = 1; level < kLevels; ++level) {
        const int shift = kLevelBits * level;
        const std::uint64_t block = current_tick_ >> shift;
        for (std::uint64_t k = 1; k <= kSlots; ++k) {
            const std::uint64_t start = (block + k) << shift;
            if (best && start >= *best) break;
            const auto list = static_cast<std::size_t>(level) * kSlots + ((block + k) & kSlotMask);
            if (heads_[list] != kNone) {
                best = start;
                break;
            }
        }
    }
    assert(best.has_value());
    return time_of(*best);
}

}  // namespace tandem::txn
