#include "dialog/packed_texts.h"

#include <array>

namespace tandem::dialog {

namespace {
// Dialogs have a couple of dozen fields; the array below bounds the stack use
// of a rebuild.
constexpr std::size_t kMaxFields = 64;
}  // namespace

Status PackedTexts::assign(std::span<TextRef> refs, std::span<const Change> changes) {
    if (refs.size() > kMaxFields) return make_error("too many dialog fields", 500);

    // The new text of every field; views into the old buffer or the changes,
    // both alive until the new buffer is built.
    std::array<std::string_view, kMaxFields> texts;
    for (std::size_t i = 0; i < refs.size(); ++i)
        texts[i] = view(refs[i]);
    for (const Change& change : changes) {
        if (change.index >= refs.size()) return make_error("bad dialog field", 500);
        texts[change.index] = change.text;
    }

    // Where each field's text goes: the offset of an equal text placed
    // before it, or the end of what is placed so far.
    std::array<TextRef, kMaxFields> placed{};
    std::size_t total = 0;
    for (std::size_t i = 0; i < refs.size(); ++i) {
        const std::string_view text = texts[i];
        if (text.empty()) continue;
        bool shared = false;
        for (std::size_t j = 0; j < i && !shared; ++j) {
            if (texts[j] == text) {
                placed[i] = placed[j];
                shared = true;
            }
        }
        if (shared) continue;
        if (total + text.size() > kMaxBytes) return make_error("dialog too large", 500);
        placed[i] =
            TextRef{static_cast<std::uint16_t>(total), static_cast<std::uint16_t>(text.size())};
        total += text.size();
    }

    std::string rebuilt;
    rebuilt.reserve(total);
    for (std::size_t i = 0; i < refs.size(); ++i) {
        if (!texts[i].empty() && placed[i].offset == rebuilt.size()) rebuilt.append(texts[i]);
    }
    buffer_ = std::move(rebuilt);
    for (std::size_t i = 0; i < refs.size(); ++i)
        refs[i] = placed[i];
    return {};
}

std::size_t PackedTexts::heap_bytes() const {
    // A std::string keeps short texts inside itself; std::string{}.capacity()
    // is the size of that inline buffer.
    static const std::size_t inline_capacity = std::string{}.capacity();
    return buffer_.capacity() > inline_capacity ? buffer_.capacity() + 1 : 0;
}

}  // namespace tandem::dialog
