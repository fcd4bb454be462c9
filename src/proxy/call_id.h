// Which worker owns a message: its Call-ID, found with a cheap scan of the
// raw bytes before the message is parsed, hashed onto the worker shards. A
// call (its dialog, its transactions, the requests Tandem originates in it)
// lives on exactly one worker, so every message of that call must go there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tandem::proxy {

// The value of the first Call-ID header ("Call-ID" or its compact form "i",
// any case) of a message's raw bytes, trimmed; nullopt when the header
// section has none. Looks at header line starts only, up to the blank line;
// a folded continuation of the value is not part of the result.
std::optional<std::string_view> find_call_id(std::string_view bytes);

// A stable hash of a Call-ID (64-bit FNV-1a over its bytes, compared
// case-sensitively as RFC 3261 compares Call-IDs). The same in every worker
// and every run, so Call-IDs Tandem makes can be chosen to land on a shard.
std::uint64_t call_id_hash(std::string_view call_id);

// The shard (0 .. shard_count-1) that owns a Call-ID.
std::size_t shard_of_call_id(std::string_view call_id, std::size_t shard_count);

// The shard that owns a raw message: the shard of its Call-ID, or
// `fallback` (the receiving worker) when the scan finds none, so a message
// too broken to name its call is rejected where it arrived.
std::size_t shard_of_message(std::string_view bytes, std::size_t shard_count, std::size_t fallback);

}  // namespace tandem::proxy
