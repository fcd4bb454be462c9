#include "script/types.h"

namespace tandem::script {

std::string_view route_kind_name(RouteKind kind) {
    switch (kind) {
        case RouteKind::TopLevel:
            return "the top level";
        case RouteKind::Request:
            return "request_route";
        case RouteKind::Reply:
            return "reply_route";
        case RouteKind::Failure:
            return "failure_route";
        case RouteKind::Branch:
            return "branch_route";
        case RouteKind::B2BRequest:
            return "a B2B request route";
        case RouteKind::B2BReply:
            return "a B2B reply route";
        case RouteKind::Event:
            return "event_route";
    }
    return "an unknown route";
}

std::string Diagnostic::to_string() const {
    std::string text = location.file;
    if (location.line > 0) {
        text += ':';
        text += std::to_string(location.line);
    }
    text += ": ";
    text += message;
    return text;
}

std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics) {
    std::string text;
    for (const Diagnostic& diagnostic : diagnostics) {
        if (!text.empty()) text += '\n';
        text += diagnostic.to_string();
    }
    return text;
}

}  // namespace tandem::script
