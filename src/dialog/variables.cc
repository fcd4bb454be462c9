#include "dialog/variables.h"

namespace tandem::dialog {

namespace {
constexpr std::size_t kEntryHeader = 3;

char byte_of(std::size_t value) {
    return static_cast<char>(static_cast<unsigned char>(value));
}
std::size_t value_of(char byte) {
    return static_cast<unsigned char>(byte);
}
}  // namespace

Variables::Entry Variables::entry_at(std::size_t at) const {
    const std::size_t name_size = value_of(packed_[at]);
    const std::size_t value_size = (value_of(packed_[at + 1]) << 8) | value_of(packed_[at + 2]);
    const std::string_view all(packed_);
    Entry entry;
    entry.begin = at;
    entry.name = all.substr(at + kEntryHeader, name_size);
    entry.value = all.substr(at + kEntryHeader + name_size, value_size);
    entry.end = at + kEntryHeader + name_size + value_size;
    return entry;
}

std::optional<Variables::Entry> Variables::find(std::string_view name) const {
    for (std::size_t at = 0; at < packed_.size();) {
        const Entry entry = entry_at(at);
        if (entry.name == name) return entry;
        at = entry.end;
    }
    return std::nullopt;
}

std::optional<std::string_view> Variables::get(std::string_view name) const {
    const auto entry = find(name);
    if (!entry) return std::nullopt;
    return entry->value;
}

Status Variables::set(std::string_view name, std::string_view value) {
    if (name.empty()) return make_error("empty dialog variable name");
    if (name.size() > kMaxNameBytes) return make_error("dialog variable name too long");
    if (value.size() > kMaxValueBytes) return make_error("dialog variable value too long");

    const auto existing = find(name);
    const std::size_t replaced = existing ? existing->end - existing->begin : 0;
    if (packed_.size() - replaced + kEntryHeader + name.size() + value.size() > kMaxTotalBytes) {
        return make_error("too much dialog variable data");
    }

    std::string entry;
    entry.reserve(kEntryHeader + name.size() + value.size());
    entry.push_back(byte_of(name.size()));
    entry.push_back(byte_of(value.size() >> 8));
    entry.push_back(byte_of(value.size() & 0xff));
    entry.append(name);
    entry.append(value);
    if (existing) {
        // In place, so the variable keeps its position in for_each order.
        packed_.replace(existing->begin, replaced, entry);
    } else {
        packed_.append(entry);
    }
    return {};
}

bool Variables::erase(std::string_view name) {
    const auto existing = find(name);
    if (!existing) return false;
    packed_.erase(existing->begin, existing->end - existing->begin);
    if (packed_.empty()) std::string().swap(packed_);
    return true;
}

std::size_t Variables::size() const {
    std::size_t count = 0;
    for_each([&count](std::string_view, std::string_view) { ++count; });
    return count;
}

std::size_t Variables::heap_bytes() const {
    const std::size_t inline_capacity = std::string{}.capacity();
    return packed_.capacity() > inline_capacity ? packed_.capacity() + 1 : 0;
}

}  // namespace tandem::dialog
