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
# part of one GoogleTest executable <name>_tests registered with CTest as
# <name>.<suite>.<test>. Files listed after ALONE are left out of it and make
# an executable of their own, <name>_<file stem>s, with the same test names
# (e.g. local_cache_test.cc: script_local_cache_tests, script.LocalCache.*):
# for code a build flavour must test without building the whole layer's
# tests (the TSan stage of scripts/test.sh).
function(tandem_add_layer_tests name)
  cmake_parse_arguments(T "" "" "DEPS;ALONE" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  foreach(alone IN LISTS T_ALONE)
    list(REMOVE_ITEM sources ${CMAKE_CURRENT_SOURCE_DIR}/${alone})
    get_filename_component(stem ${alone} NAME_WE)
    tandem_add_test_executable(${name}_${stem}s ${name} "${T_DEPS}" ${CMAKE_CURRENT_SOURCE_DIR}/${alone})
  endforeach()
  if(NOT sources)
    return()
  endif()
  tandem_add_test_executable(${name}_tests ${name} "${T_DEPS}" ${sources})
endfunction()

function(tandem_add_test_executable target prefix deps)
  add_executable(${target} ${ARGN})
  target_link_libraries(${target} PRIVATE ${deps} GTest::gtest GTest::gmock GTest::gtest_main tandem_warnings)
  target_compile_definitions(${target} PRIVATE TANDEM_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data")
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # g++ 12 reports impossible memcpy overlaps inside libstdc++'s std::string
    # concatenation when tests build strings in loops at -O2 (GCC bug 105329).
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  gtest_discover_tests(${target} DISCOVERY_TIMEOUT 60 TEST_PREFIX "${prefix}.")
endfunction()
