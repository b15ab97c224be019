# itest_add_fuzz(NAME name SOURCES ... LINK ... [DICT file] [SEEDS dir ...])
#
# With ITEST_FUZZ (the `fuzz` preset: clang with libFuzzer and the sanitizers) it builds the
# libFuzzer target itest-<name>-fuzz and registers the test fuzz.<name> (labels selftest and
# fuzz): ITEST_FUZZ_SECONDS of fuzzing, starting from the corpus kept in the source tree
# (corpus/<name> beside the first source file) and any SEEDS; new inputs go to the build tree's
# copy, crashes next to it. Without ITEST_FUZZ it does nothing.
include_guard(GLOBAL)

option(ITEST_FUZZ "build the fuzz targets (needs clang's libFuzzer: cmake --preset fuzz)" OFF)
set(ITEST_FUZZ_SECONDS 30 CACHE STRING "how long each fuzz.* test fuzzes")
if(ITEST_FUZZ)
    if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "ITEST_FUZZ needs clang (cmake --preset fuzz); the compiler is "
                            "${CMAKE_C_COMPILER_ID}")
    endif()
    add_custom_target(itest-fuzz-targets)
endif()

function(itest_add_fuzz)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;DICT" "SOURCES;LINK;SEEDS")
    if(NOT ITEST_FUZZ)
        return()
    endif()
    set(target itest-${arg_NAME}-fuzz)
    add_executable(${target} ${arg_SOURCES})
    itest_target_defaults(${target})
    target_link_libraries(${target} PRIVATE ${arg_LINK})
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
    add_dependencies(itest-fuzz-targets ${target})
    set(work "${CMAKE_CURRENT_BINARY_DIR}/fuzz-${arg_NAME}")
    file(MAKE_DIRECTORY "${work}/corpus")
    set(options -max_total_time=${ITEST_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=1024
                -max_len=65536 -print_final_stats=1 -artifact_prefix=${work}/)
    if(arg_DICT)
        list(APPEND options -dict=${arg_DICT})
    endif()
    list(GET arg_SOURCES 0 first)
    get_filename_component(here "${CMAKE_CURRENT_SOURCE_DIR}/${first}" DIRECTORY)
    add_test(NAME fuzz.${arg_NAME}
             COMMAND ${target} ${options} "${work}/corpus" "${here}/corpus/${arg_NAME}"
                     ${arg_SEEDS})
    math(EXPR timeout "${ITEST_FUZZ_SECONDS} + 120")
    set_tests_properties(fuzz.${arg_NAME} PROPERTIES LABELS "selftest;fuzz" TIMEOUT ${timeout})
endfunction()
