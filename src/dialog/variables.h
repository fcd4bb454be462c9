// Per-dialog variables ($dlg_val in OpenSIPS): string names to string values
// that the script and the call-control modules set and read for the life of
// the dialog. A dialog holds a handful, so they are packed into one string
// (no map, no node per entry) and looked up by a linear scan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tandem::dialog {

class Variables {
  public:
    static constexpr std::size_t kMaxNameBytes = 255;
    static constexpr std::size_t kMaxValueBytes = 65535;
    // All names and values of one dialog together.
    static constexpr std::size_t kMaxTotalBytes = 256 * 1024;

    // The value of `name` (names are case-sensitive, as in $dlg_val).
    std::optional<std::string_view> get(std::string_view name) const;
    // Sets or replaces a value. Fails on an empty or too long name, a too
    // long value, or when the dialog's variables would exceed kMaxTotalBytes.
    Status set(std::string_view name, std::string_view value);
    // Whether there was a value to remove.
    bool erase(std::string_view name);

    std::size_t size() const;
    bool empty() const { return packed_.empty(); }

    // Calls fn(name, value) for every variable, in the order they were first
    // set.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        for (std::size_t at = 0; at < packed_.size();) {
            const Entry entry = entry_at(at);
            fn(entry.name, entry.value);
            at = entry.end;
        }
    }

    std::size_t heap_bytes() const;

  private:
    // Each entry: one byte name length, two bytes value length (big endian),
    // the name, the value.
    struct Entry {
        std::string_view name;
        std::string_view value;
        std::size_t begin = 0;
        std::size_t end = 0;
    };
    Entry entry_at(std::size_t at) const;
    std::optional<Entry> find(std::string_view name) const;

    std::string packed_;
};

}  // namespace tandem::dialog
