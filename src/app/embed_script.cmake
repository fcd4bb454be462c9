# Writes a C++ source holding a text file as a byte array, so the binary
# carries the bundled default script. Run with
#   cmake -DINPUT=<file> -DOUTPUT=<file.cc> -P embed_script.cmake
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from examples/default.lua by src/app/embed_script.cmake; do not edit.
#include \"app/default_script.h\"

namespace tandem::app {
namespace {
constexpr char kText[] = {
    ${bytes}'\\0'};
}  // namespace

std::string_view default_script_text() { return {kText, ${size}}; }

}  // namespace tandem::app
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
