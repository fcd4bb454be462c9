#include "mi/statistics.h"

#include <algorithm>

namespace tandem::mi {
namespace {

bool matches(const Statistic& statistic, const std::string& selector) {
    if (selector == "all") return true;
    const std::size_t colon = selector.find(':');
    if (colon == std::string::npos) return statistic.name == selector;
    const std::string group = selector.substr(0, colon);
    const std::string name = selector.substr(colon + 1);
    return statistic.group == group && (name.empty() || statistic.name == name);
}

// Prometheus metric names allow [a-zA-Z0-9_:]; anything else becomes '_'.
std::string metric_name(const Statistic& statistic) {
    std::string name = "tandem_" + statistic.group + "_" + statistic.name;
    for (char& c : name) {
        const bool allowed =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!allowed) c = '_';
    }
    return name;
}

}  // namespace

bool selected(const Statistic& statistic, const std::vector<std::string>& selectors) {
    return std::any_of(selectors.begin(), selectors.end(),
                       [&](const std::string& selector) { return matches(statistic, selector); });
}

Result<Json> select_statistics(const Statistics& statistics,
                               const std::vector<std::string>& selectors) {
    Json result = Json::object();
    for (const std::string& selector : selectors) {
        bool found = false;
        for (const Statistic& statistic : statistics) {
            if (!matches(statistic, selector)) continue;
            found = true;
            result[statistic.group + ":" + statistic.name] = statistic.value;
        }
        if (!found) return make_error("no statistic matches `" + selector + "`", 404);
    }
    return result;
}

std::string prometheus_text(const Statistics& statistics) {
    std::string text;
    for (const Statistic& statistic : statistics) {
        const std::string name = metric_name(statistic);
        text += "# TYPE " + name + (statistic.gauge ? " gauge\n" : " counter\n");
        text += name + " " + std::to_string(statistic.value) + "\n";
    }
    return text;
}

}  // namespace tandem::mi
