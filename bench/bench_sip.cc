// SIP message benchmarks: the work a proxy does on every request it relays.
#include <benchmark/benchmark.h>

#include <string>

#include "sip/message.h"
#include "sip/writer.h"
#include "typical_messages.h"

namespace {

using namespace tandem::sip;
using tandem::bench::kTypicalInvite;

// Parse the INVITE and read every header a proxy needs to route it.
void BM_ParseInviteAndAccessHeaders(benchmark::State& state) {
    for (auto _ : state) {
        auto message = Message::parse(kTypicalInvite);
        if (!message.ok()) state.SkipWithError("parse failed");
        auto via = message->top_via();
        auto from = message->from();
        auto to = message->to();
        auto call_id = message->call_id();
        auto cseq = message->cseq();
        auto contacts = message->contacts();
        auto routes = message->routes();
        benchmark::DoNotOptimize(via.get());
        benchmark::DoNotOptimize(from.get());
        benchmark::DoNotOptimize(to.get());
        benchmark::DoNotOptimize(call_id.data());
        benchmark::DoNotOptimize(cseq.get());
        benchmark::DoNotOptimize(contacts.ok());
        benchmark::DoNotOptimize(routes.ok());
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kTypicalInvite.size()));
}
BENCHMARK(BM_ParseInviteAndAccessHeaders);

// Parse alone: the first line and the header index.
void BM_ParseInviteOnly(benchmark::State& state) {
    for (auto _ : state) {
        auto message = Message::parse(kTypicalInvite);
        benchmark::DoNotOptimize(message.ok());
    }
}
BENCHMARK(BM_ParseInviteOnly);

// What a proxy sends on: four edits (new top Via, pop the top Route, add a
// Record-Route, decrement Max-Forwards), serialised into a reused buffer.
void BM_SerializeDerivedInvite(benchmark::State& state) {
    auto message = Message::parse(kTypicalInvite);
    if (!message.ok()) {
        state.SkipWithError("parse failed");
        return;
    }
    std::string out;
    for (auto _ : state) {
        EditList edits(*message);
        edits.prepend_via("SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK8f2c.0");
        edits.remove_first_value(HeaderId::Route);
        edits.add_before(HeaderId::RecordRoute, HeaderId::RecordRoute, "<sip:192.0.2.20;lr>");
        edits.replace(HeaderId::MaxForwards, "68");
        edits.serialize_to(out);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_SerializeDerivedInvite);

}  // namespace

BENCHMARK_MAIN();
