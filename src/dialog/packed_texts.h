// Compact storage for the texts of one dialog: every text lives in one string
// buffer, and the owner refers to each by a 4-byte TextRef (offset, size)
// instead of a 32-byte std::string. Equal texts are stored once (the SDP
// relayed towards one leg is usually the SDP received from the other).
// Texts change rarely (an answer, a target refresh), so a change rebuilds the
// buffer at its exact size rather than leaving holes to reuse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tandem::dialog {

struct TextRef {
    std::uint16_t offset = 0;
    std::uint16_t size = 0;
};

class PackedTexts {
  public:
    // The most text one dialog may hold, all fields together.
    static constexpr std::size_t kMaxBytes = UINT16_MAX;

    // A new value for the field `index` of the reference array.
    struct Change {
        std::size_t index;
        std::string_view text;
    };

    std::string_view view(TextRef ref) const {
        return std::string_view(buffer_).substr(ref.offset, ref.size);
    }

    // Applies `changes` to the fields `refs` (indexes into refs; a later
    // change of the same index wins) and rebuilds the buffer with every
    // field's text, equal texts once. A change may point into this buffer.
    // Fails (and changes nothing) when the texts would exceed kMaxBytes.
    Status assign(std::span<TextRef> refs, std::span<const Change> changes);

    // Heap bytes the buffer holds (0 while it fits the small-string buffer).
    std::size_t heap_bytes() const;
    std::size_t size() const { return buffer_.size(); }

  private:
    std::string buffer_;
};

}  // namespace tandem::dialog
