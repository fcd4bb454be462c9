// SDP benchmarks: what hold, unhold and media forking do with a body.
#include <benchmark/benchmark.h>

#include <string>

#include "sdp/parse.h"
#include "sdp/write.h"
#include "typical_messages.h"

namespace {

using namespace tandem::sdp;
using tandem::bench::kTwoStreamSdp;

// Parse a two-stream offer, change every direction (a hold offer), bump the
// version and write it out again.
void BM_ParseEditWriteTwoStreamSdp(benchmark::State& state) {
    std::string out;
    for (auto _ : state) {
        auto session = parse(kTwoStreamSdp);
        if (!session.ok()) {
            state.SkipWithError("parse failed");
            return;
        }
        for (MediaDescription& media : session->media)
            media.set_direction(Direction::kSendOnly);
        session->origin.bump_version();
        out.clear();
        write(*session, out);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_ParseEditWriteTwoStreamSdp);

// Parse and write back unchanged.
void BM_ParseWriteTwoStreamSdp(benchmark::State& state) {
    std::string out;
    for (auto _ : state) {
        auto session = parse(kTwoStreamSdp);
        out.clear();
        if (session.ok()) write(*session, out);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_ParseWriteTwoStreamSdp);

}  // namespace

BENCHMARK_MAIN();
