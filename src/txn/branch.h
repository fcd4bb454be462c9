// Via branch parameters: the RFC 3261 magic cookie and a cheap generator of
// unique branches for the requests this server sends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::txn {

// Every branch made by an RFC 3261 element starts with this (section 8.1.1.7).
inline constexpr std::string_view kMagicCookie = "z9hG4bK";

constexpr bool has_magic_cookie(std::string_view branch) {
    return branch.starts_with(kMagicCookie);
}

// Makes "z9hG4bK" + 16 hex digits. The digits are a bijective mix of a
// counter offset by the seed: unique for 2^64 calls of one generator, and not
// guessable from the previous branch without the seed (so a third party who
// sees one branch cannot forge the next transaction's responses or CANCEL).
// No system call and no allocation beyond the returned string.
class BranchGenerator {
  public:
    explicit BranchGenerator(std::uint64_t seed) : state_(seed) {}

    std::string next();

  private:
    std::uint64_t state_;
};

// A seed from the operating system's random source, for BranchGenerator.
std::uint64_t random_seed();

}  // namespace tandem::txn
