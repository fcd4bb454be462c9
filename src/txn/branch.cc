#include "txn/branch.h"

#include <random>

namespace tandem::txn {

std::string BranchGenerator::next() {
    // splitmix64: the state steps by an odd constant (so it visits every
    // 64-bit value once) and the output function is a bijection.
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;

    static constexpr char kHex[] = "0123456789abcdef";
    std::string branch;
    branch.reserve(kMagicCookie.size() + 16);
    branch.append(kMagicCookie);
    for (int shift = 60; shift >= 0; shift -= 4) {
        branch.push_back(kHex[(z >> shift) & 0xf]);
    }
    return branch;
}

std::uint64_t random_seed() {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ std::uint64_t{device()};
}

}  // namespace tandem::txn
