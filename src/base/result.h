// Errors as values for the protocol path: a Result<T> holds either a T or an
// Error whose reason is short enough to serve as a SIP reason phrase.
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace tandem {

struct Error {
    // A SIP-style status code the caller may answer with (400 for bad syntax,
    // 483 for too many hops ...); 0 when the error has no natural status.
    int status = 400;
    std::string reason;

    friend bool operator==(const Error&, const Error&) = default;
};

inline Error make_error(std::string reason, int status = 400) {
    return Error{status, std::move(reason)};
}

template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value)
        : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<1>(state_); }

    template <typename U>
    T value_or(U&& fallback) const {
        return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

  private:
    std::variant<T, Error> state_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }

  private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

}  // namespace tandem
