# Warnings every Tandem target builds with.
add_library(tandem_warnings INTERFACE)
target_compile_options(tandem_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)

# One static library per layer (see docs/architecture.md): the .cc files of
# src/<layer>/, public headers included as "<layer>/header.h". DEPS names the
# lower layers it may use.
function(tandem_add_layer name)
  cmake_parse_arguments(L "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  if(NOT sources)
    # A layer with headers only so far.
    add_library(tandem_${name} INTERFACE)
    target_link_libraries(tandem_${name} INTERFACE tandem_base ${L_DEPS})
    return()
  endif()
  add_library(tandem_${name} STATIC ${sources})
  target_include_directories(tandem_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(tandem_${name} PUBLIC tandem_base ${L_DEPS} PRIVATE tandem_warnings)
endfunction()

# The unit tests of one layer: every *_test.cc in the calling folder becomes
# part of one GoogleTest executable registered with CTest.
function(tandem_add_layer_tests name)
  cmake_parse_arguments(T "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  if(NOT sources)
    return()
  endif()
  add_executable(${name}_tests ${sources})
  target_link_libraries(${name}_tests PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main tandem_warnings)
  target_compile_definitions(${name}_tests PRIVATE TANDEM_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data")
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # g++ 12 reports impossible memcpy overlaps inside libstdc++'s std::string
    # concatenation when tests build strings in loops at -O2 (GCC bug 105329).
    target_compile_options(${name}_tests PRIVATE -Wno-restrict)
  endif()
  gtest_discover_tests(${name}_tests DISCOVERY_TIMEOUT 60 TEST_PREFIX "${name}.")
endfunction()
