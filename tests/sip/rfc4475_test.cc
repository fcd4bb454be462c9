// The RFC 4475 torture messages (tests/data/rfc4475) run through the parser,
// validation and stream framing. tests/data/rfc4475/manifest.txt says what is
// expected of each message; its header documents the keys checked here.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message.h"
#include "sip/syntax.h"
#include "sip/validate.h"

namespace tandem::sip {
namespace {

const std::string kDataDir = std::string(TANDEM_TEST_DATA) + "/rfc4475";

// One line of the manifest.
struct Case {
    std::string name;
    std::string klass;  // valid, invalid or semantic
    std::map<std::string, std::string> facts;
    int line = 0;

    bool has(const std::string& key) const { return facts.count(key) != 0; }
    std::string get(const std::string& key) const {
        auto it = facts.find(key);
        return it == facts.end() ? std::string() : it->second;
    }
};

// gtest prints the parameter of a failing case; keep that short.
void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes the escapes of a manifest value: \s space, \\ backslash, \xHH an
// octet. Returns false on a malformed escape.
bool decode_value(std::string_view raw, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\') {
            out += raw[i];
            continue;
        }
        if (i + 1 >= raw.size()) return false;
        char next = raw[i + 1];
        if (next == 's') {
            out += ' ';
            i += 1;
        } else if (next == '\\') {
            out += '\\';
            i += 1;
        } else if (next == 'x' && i + 3 < raw.size() && hex_digit(raw[i + 2]) >= 0 &&
                   hex_digit(raw[i + 3]) >= 0) {
            out += static_cast<char>(hex_digit(raw[i + 2]) * 16 + hex_digit(raw[i + 3]));
            i += 3;
        } else {
            return false;
        }
    }
    return true;
}

struct Manifest {
    std::vector<Case> cases;
    std::vector<std::string> errors;  // malformed lines
};

Manifest load_manifest() {
    Manifest manifest;
    std::ifstream in(kDataDir + "/manifest.txt");
    if (!in) {
        manifest.errors.push_back("cannot open " + kDataDir + "/manifest.txt");
        return manifest;
    }
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        Case c;
        c.line = number;
        words >> c.name >> c.klass;
        if (c.klass != "valid" && c.klass != "invalid" && c.klass != "semantic") {
            manifest.errors.push_back("line " + std::to_string(number) + ": bad class");
            continue;
        }
        std::string word;
        while (words >> word) {
            std::size_t eq = word.find('=');
            std::string value;
            if (eq == std::string::npos || eq == 0 ||
                !decode_value(std::string_view(word).substr(eq + 1), value)) {
                manifest.errors.push_back("line " + std::to_string(number) + ": bad fact " + word);
                continue;
            }
            if (!c.facts.emplace(word.substr(0, eq), value).second) {
                manifest.errors.push_back("line " + std::to_string(number) + ": repeated " + word);
            }
        }
        manifest.cases.push_back(std::move(c));
    }
    return manifest;
}

const Manifest& manifest() {
    static const Manifest loaded = load_manifest();
    return loaded;
}

std::string read_message(const std::string& name) {
    std::ifstream in(kDataDir + "/" + name + ".sip", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Non-printable octets as \xHH, so failures show what the bytes were.
std::string printable(std::string_view text) {
    std::string out;
    for (char ch : text) {
        auto octet = static_cast<unsigned char>(ch);
        if (octet >= 0x20 && octet < 0x7f) {
            out += ch;
        } else {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\x%02X", octet);
            out += buffer;
        }
    }
    return out;
}

std::string scheme_name(UriScheme scheme) {
    switch (scheme) {
        case UriScheme::Sip:
            return "sip";
        case UriScheme::Sips:
            return "sips";
        case UriScheme::Tel:
            return "tel";
        case UriScheme::Other:
            return "other";
    }
    return "?";
}

// A display name with the quoted-pair escapes of a quoted string decoded.
std::string display_of(const NameAddr& name_addr) {
    return name_addr.display_name_quoted ? unquote(name_addr.display_name)
                                         : std::string(name_addr.display_name);
}

std::size_t header_lines(const Message& message, const std::string& name) {
    std::size_t lines = 0;
    auto range = message.headers(name);
    for (auto it = range.begin(); it != range.end(); ++it)
        ++lines;
    return lines;
}

// The keys check_facts() understands, besides the outcome keys.
const std::set<std::string> kOutcomeKeys = {"validate", "frame", "reject",
                                            "why",      "code",  "liberal"};

#define EXPECT_FACT(key, actual)                        \
    EXPECT_EQ(printable(c.get(key)), printable(actual)) \
        << c.name << ".sip: fact " << (key) << " (manifest line " << c.line << ")"

// Checks one fact of a manifest line against a parsed message.
void check_fact(const Message& m, const Case& c, const std::string& key,
                const std::string& expected) {
    if (key == "kind") {
        EXPECT_FACT(key, std::string(m.is_request() ? "request" : "response"));
    } else if (key == "method") {
        EXPECT_FACT(key, m.method_text());
    } else if (key == "status") {
        EXPECT_FACT(key, std::to_string(m.status_code()));
    } else if (key == "reason") {
        EXPECT_FACT(key, m.reason_phrase());
    } else if (key == "ruri") {
        EXPECT_FACT(key, m.request_uri_text());
    } else if (key.rfind("ruri_", 0) == 0) {
        auto uri = m.request_uri();
        ASSERT_TRUE(uri.ok()) << "request-URI: " << uri.reason();
        if (key == "ruri_scheme") {
            EXPECT_FACT(key, scheme_name(uri->scheme));
        } else if (key == "ruri_user") {
            EXPECT_FACT(key, uri->user);
        } else if (key == "ruri_password") {
            EXPECT_FACT(key, uri->password);
        } else if (key == "ruri_host") {
            EXPECT_FACT(key, uri->host);
        } else {
            ADD_FAILURE() << "unknown fact " << key;
        }
    } else if (key == "callid") {
        EXPECT_FACT(key, m.call_id());
    } else if (key == "cseq" || key == "cseq_method") {
        auto cseq = m.cseq();
        ASSERT_TRUE(cseq.ok()) << "CSeq: " << cseq.reason();
        if (key == "cseq") {
            EXPECT_FACT(key, std::to_string(cseq->number));
        } else {
            EXPECT_FACT(key, cseq->method_text);
        }
    } else if (key == "maxfwd") {
        auto max_forwards = m.max_forwards();
        ASSERT_TRUE(max_forwards.ok()) << "Max-Forwards: " << max_forwards.reason();
        EXPECT_FACT(key, std::to_string(*max_forwards));
    } else if (key == "cl") {
        auto length = m.content_length();
        if (expected == "none") {
            EXPECT_FALSE(length.present()) << "Content-Length should be absent";
        } else {
            ASSERT_TRUE(length.ok()) << "Content-Length: " << length.reason();
            EXPECT_FACT(key, std::to_string(*length));
        }
    } else if (key == "body_len") {
        EXPECT_FACT(key, std::to_string(m.body().size()));
    } else if (key == "content_type") {
        auto type = m.content_type();
        ASSERT_TRUE(type.ok()) << "Content-Type: " << type.reason();
        EXPECT_FACT(key, std::string(type->type) + "/" + std::string(type->subtype));
    } else if (key.rfind("hdr.", 0) == 0) {
        EXPECT_FACT(key, std::to_string(header_lines(m, key.substr(4))));
    } else if (key.rfind("via", 0) == 0) {
        auto vias = m.vias();
        ASSERT_TRUE(vias.ok()) << "Via: " << vias.error().reason;
        if (key == "vias") {
            EXPECT_FACT(key, std::to_string(vias->size()));
            return;
        }
        ASSERT_FALSE(vias->empty());
        const Via& top = vias->front();
        if (key == "via_host") {
            EXPECT_FACT(key, top.host);
        } else if (key == "via_port") {
            EXPECT_FACT(key, top.port ? std::to_string(*top.port) : std::string("none"));
        } else if (key == "via_transport") {
            EXPECT_FACT(key, top.transport);
        } else if (key == "via_branch") {
            EXPECT_FACT(key, top.branch);
        } else if (key == "via_transports") {
            std::string all;
            for (const Via& via : *vias) {
                if (!all.empty()) all += ',';
                all += via.transport;
            }
            EXPECT_FACT(key, all);
        } else {
            ADD_FAILURE() << "unknown fact " << key;
        }
    } else if (key.rfind("from_", 0) == 0 || key.rfind("to_", 0) == 0) {
        bool is_from = key.rfind("from_", 0) == 0;
        auto header = is_from ? m.from() : m.to();
        ASSERT_TRUE(header.ok()) << (is_from ? "From: " : "To: ") << header.reason();
        std::string field = key.substr(key.find('_') + 1);
        if (field == "tag") {
            EXPECT_FACT(key, header->tag);
        } else if (field == "display") {
            EXPECT_FACT(key, display_of(*header));
        } else if (field == "user") {
            EXPECT_FACT(key, header->uri.user);
        } else if (field == "host") {
            EXPECT_FACT(key, header->uri.host);
        } else if (field == "scheme") {
            EXPECT_FACT(key, scheme_name(header->uri.scheme));
        } else if (field == "port") {
            EXPECT_FACT(key, header->uri.port ? std::to_string(*header->uri.port) : "none");
        } else {
            ADD_FAILURE() << "unknown fact " << key;
        }
    } else if (key.rfind("contact", 0) == 0) {
        auto contacts = m.contacts();
        ASSERT_TRUE(contacts.ok()) << "Contact: " << contacts.error().reason;
        if (key == "contacts") {
            EXPECT_FACT(key, std::to_string(contacts->size()));
            return;
        }
        ASSERT_FALSE(contacts->empty());
        const Contact& first = contacts->front();
        if (key == "contact_user") {
            EXPECT_FACT(key, first.uri.user);
        } else if (key == "contact_hparam") {
            EXPECT_TRUE(first.params.has(expected))
                << "no header parameter " << expected << " in " << first.text;
            EXPECT_FALSE(first.uri.params.has(expected))
                << expected << " taken as a URI parameter in " << first.text;
        } else if (key == "contact_uparam") {
            EXPECT_TRUE(first.uri.params.has(expected))
                << "no URI parameter " << expected << " in " << first.text;
            EXPECT_FALSE(first.params.has(expected))
                << expected << " taken as a header parameter in " << first.text;
        } else if (key == "contact_uheader") {
            EXPECT_TRUE(first.uri.headers.has(expected))
                << "no URI header " << expected << " in " << first.text;
        } else {
            ADD_FAILURE() << "unknown fact " << key;
        }
    } else {
        ADD_FAILURE() << "unknown fact " << key << " (manifest line " << c.line << ")";
    }
}

// Checks every fact of a manifest line against a parsed message.
void check_facts(const Message& m, const Case& c) {
    for (const auto& [key, expected] : c.facts) {
        if (kOutcomeKeys.count(key) != 0) continue;
        SCOPED_TRACE(c.name + ".sip: " + key);
        check_fact(m, c, key, expected);
    }
}

#undef EXPECT_FACT

// Everything the manifest wants of one message's stream framing.
void check_framing(std::string_view bytes, const Case& c) {
    if (!c.has("frame")) return;
    const std::string expected = c.get("frame");
    auto frame = frame_stream(bytes);
    if (expected == "error") {
        EXPECT_FALSE(frame.ok()) << c.name << ".sip should not frame on a stream";
        if (!frame.ok()) {
            EXPECT_FALSE(frame.error().reason.empty());
        }
        return;
    }
    ASSERT_TRUE(frame.ok()) << c.name << ".sip: framing failed: " << frame.error().reason;
    if (expected == "needmore") {
        EXPECT_EQ(frame->kind, StreamFrame::Kind::NeedMore)
            << c.name << ".sip should need more data (length " << frame->length << ")";
        return;
    }
    ASSERT_EQ(frame->kind, StreamFrame::Kind::Message) << c.name << ".sip did not frame a message";
    EXPECT_EQ(std::to_string(frame->length), expected) << c.name << ".sip framed length";
    if (c.klass == "valid" && frame->length <= bytes.size()) {
        // The framed octets are the message on its own: it parses alike.
        auto framed = Message::parse(bytes.substr(0, frame->length));
        ASSERT_TRUE(framed.ok()) << c.name << ".sip framed: " << framed.error().reason;
        if (c.has("callid")) {
            EXPECT_EQ(framed->call_id(), c.get("callid"));
        }
        EXPECT_EQ(framed->body().size(), framed->received_body().size())
            << c.name << ".sip: a framed message carries its whole body and nothing more";
    }
}

class Rfc4475 : public ::testing::TestWithParam<Case> {};

TEST_P(Rfc4475, Message) {
    const Case& c = GetParam();
    const std::string bytes = read_message(c.name);
    ASSERT_FALSE(bytes.empty()) << "missing or empty " << kDataDir << "/" << c.name << ".sip";

    auto parsed = Message::parse(bytes);
    const std::string validate_expect = c.klass == "valid" ? "ok" : c.get("validate");
    const bool must_reject = c.klass == "invalid" || validate_expect == "fail";

    if (!must_reject) {
        ASSERT_TRUE(parsed.ok()) << c.name << ".sip must parse (RFC 4475 " << c.klass
                                 << "), was rejected: " << parsed.error().reason;
        check_facts(*parsed, c);
        Status status = validate(*parsed);
        if (validate_expect == "ok") {
            EXPECT_TRUE(status.ok())
                << c.name << ".sip must pass validation, was rejected: " << status.error().reason;
            if (c.klass == "valid") {
                // Every valid message has a Content-Length, so it is just as
                // acceptable on a stream.
                Status on_stream = validate(*parsed, ValidationOptions{.stream = true});
                EXPECT_TRUE(on_stream.ok())
                    << c.name << ".sip must pass stream validation: " << on_stream.error().reason;
            }
        } else if (!status.ok()) {
            EXPECT_FALSE(status.error().reason.empty());
        }
    } else {
        bool rejected = false;
        std::string stage;
        Error error;
        if (!parsed.ok()) {
            rejected = true;
            stage = "parse";
            error = parsed.error();
        } else {
            if (c.klass == "semantic") check_facts(*parsed, c);
            Status status = validate(*parsed);
            if (!status.ok()) {
                rejected = true;
                stage = "validate";
                error = status.error();
            }
        }
        RecordProperty("outcome", rejected ? stage + ": " + error.reason : "accepted");
        if (!rejected) {
            if (c.get("liberal") == "ok") {
                // RFC 4475 lets a liberal receiver accept this one.
                RecordProperty("liberal", "accepted");
            } else {
                ADD_FAILURE() << c.name << ".sip must be rejected (RFC 4475: " << c.get("why")
                              << ") but parse and validate both accepted it";
            }
        } else {
            EXPECT_FALSE(error.reason.empty()) << c.name << ".sip rejected without a reason";
            if (c.has("code")) {
                EXPECT_EQ(std::to_string(error.status), c.get("code"))
                    << c.name << ".sip rejected at " << stage << " with \"" << error.reason << "\"";
            }
        }
    }

    check_framing(bytes, c);
}

INSTANTIATE_TEST_SUITE_P(Torture, Rfc4475, ::testing::ValuesIn(manifest().cases),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                             return param_info.param.name;
                         });

TEST(Rfc4475Manifest, CoversEveryMessageOfTheRfc) {
    const Manifest& m = manifest();
    EXPECT_TRUE(m.errors.empty()) << m.errors.front();
    std::map<std::string, int> per_class;
    std::set<std::string> names;
    for (const Case& c : m.cases) {
        ++per_class[c.klass];
        EXPECT_TRUE(names.insert(c.name).second) << "listed twice: " << c.name;
    }
    // RFC 4475: 13 valid messages (3.1.1), 19 invalid ones (3.1.2) and 17 in
    // sections 3.2 to 3.4.
    EXPECT_EQ(per_class["valid"], 13);
    EXPECT_EQ(per_class["invalid"], 19);
    EXPECT_EQ(per_class["semantic"], 17);
    // Every message file is in the manifest.
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kDataDir)) {
        if (entry.path().extension() != ".sip") continue;
        ++files;
        EXPECT_EQ(names.count(entry.path().stem().string()), 1u)
            << entry.path().filename() << " is not in manifest.txt";
    }
    EXPECT_EQ(files, m.cases.size());
}

// Exercises every structured accessor, so lazily parsed headers are parsed.
void touch_everything(const Message& m) {
    (void)m.first_line();
    (void)m.request_uri();
    (void)m.vias();
    (void)m.top_via();
    (void)m.contacts();
    (void)m.routes();
    (void)m.record_routes();
    (void)m.from();
    (void)m.to();
    (void)m.cseq();
    (void)m.max_forwards();
    (void)m.content_length();
    (void)m.expires();
    (void)m.content_type();
    (void)m.body();
    for (std::size_t i = 0; i < m.header_count(); ++i)
        (void)m.header_at(i);
    (void)validate(m);
    (void)validate(m, ValidationOptions{.require_max_forwards = true, .stream = true});
}

// A message cut short anywhere (a truncated datagram, a stream read in
// pieces) never makes the parser or the framer misbehave, and the framer
// never claims more octets than it was given.
TEST(Rfc4475Robustness, EveryPrefixOfEveryMessage) {
    for (const Case& c : manifest().cases) {
        const std::string bytes = read_message(c.name);
        for (std::size_t size = 0; size <= bytes.size(); ++size) {
            std::string_view prefix(bytes.data(), size);
            auto frame = frame_stream(prefix);
            if (frame.ok() && frame->kind != StreamFrame::Kind::NeedMore) {
                ASSERT_LE(frame->length, size) << c.name << ".sip cut to " << size;
                ASSERT_GT(frame->length, 0u) << c.name << ".sip cut to " << size;
            }
            if (!frame.ok()) {
                ASSERT_FALSE(frame.error().reason.empty()) << c.name << ".sip cut to " << size;
            }
            auto parsed = Message::parse(prefix);
            if (parsed.ok()) {
                touch_everything(*parsed);
            } else {
                ASSERT_FALSE(parsed.error().reason.empty()) << c.name << ".sip cut to " << size;
            }
        }
    }
}

// A stream carrying every valid message back to back frames into exactly
// those messages, in order.
TEST(Rfc4475Robustness, ValidMessagesBackToBackOnAStream) {
    std::string stream;
    std::vector<std::size_t> lengths;
    for (const Case& c : manifest().cases) {
        if (c.klass != "valid" || c.name == "dblreq") continue;  // dblreq trails junk
        std::string bytes = read_message(c.name);
        lengths.push_back(bytes.size());
        stream += bytes;
    }
    ASSERT_EQ(lengths.size(), 12u);
    std::string_view rest(stream);
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        auto frame = frame_stream(rest);
        ASSERT_TRUE(frame.ok()) << "message " << i << ": " << frame.error().reason;
        ASSERT_EQ(frame->kind, StreamFrame::Kind::Message) << "message " << i;
        ASSERT_EQ(frame->length, lengths[i]) << "message " << i;
        rest.remove_prefix(frame->length);
    }
    EXPECT_TRUE(rest.empty());
}

}  // namespace
}  // namespace tandem::sip
