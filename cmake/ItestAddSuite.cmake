# itest_add_suite(): builds one CMocka suite executable and registers each of its cases as the
# CTest test <suite>.<case> (the way gtest_discover_tests does, but keeping list-valued
# properties intact).
#
#   itest_add_suite(NAME services
#                   SOURCES services.c ...
#                   [LABELS integration ...]          every case's labels (cases may add more)
#                   [FIXTURES mocks ...]              FIXTURES_REQUIRED
#                   [TIMEOUT seconds]                 per case (default 120), scaled at each run
#                                                     by ITEST_TIMEOUT_MULTIPLIER
#                   [RESOURCE_LOCK name ...]          every case's locks
#                   [LINK target ...]                 libraries beyond itest::runner (itest::http,
#                                                     itest::pg, itest::load, ...)
#                   [RUNS program ...]                programs the suite starts: each is built
#                                                     first and its path compiled in as
#                                                     <NAME>_EXE (itest-mock: MOCK_EXE, ...)
#                   [DATA file ...]                   files the case list is built from (re-list
#                                                     when they change, e.g. prompts.jsonc)
#                   [PROPERTIES key value ...])       any further test properties, verbatim
#
# After each build the executable's --list-properties is read and <name>_tests.cmake written;
# if listing fails, a single failing test <name>.LISTING_FAILED carries the error instead.
# Every case gets ITEST_STATE_DIR set to its ctest run's state directory (ItestRunTime.cmake).
#
# Works the same in another project after find_package(itest): ITEST_STATE_DIR (the state
# root) and ITEST_JUNIT_DIR default to <build>/state and <build>/junit.

include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/ItestText.cmake)

set(_ITEST_DISCOVER_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/ItestDiscoverCases.cmake")
set(_ITEST_FAIL_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/ItestFailTest.cmake")
set(_ITEST_RUN_TIME_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/ItestRunTime.cmake")
if(NOT DEFINED ITEST_STATE_DIR)
    set(ITEST_STATE_DIR "${CMAKE_BINARY_DIR}/state" CACHE PATH
        "state root of the CTest fixtures (a directory per ctest run below it)")
endif()
if(NOT DEFINED ITEST_JUNIT_DIR)
    set(ITEST_JUNIT_DIR "${CMAKE_BINARY_DIR}/junit" CACHE PATH "per-case JUnit files")
endif()

# "itest-mock" -> MOCK_EXE, "itest-mock_fixture" -> MOCK_FIXTURE_EXE, "itest::itest-pg" -> PG_EXE
function(_itest_exe_macro out program)
    string(REGEX REPLACE "^.*::" "" name "${program}")
    string(REGEX REPLACE "^itest-" "" name "${name}")
    string(MAKE_C_IDENTIFIER "${name}" name)
    string(TOUPPER "${name}_EXE" name)
    set(${out} "${name}" PARENT_SCOPE)
endfunction()

function(itest_add_suite)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;TIMEOUT"
                          "SOURCES;LABELS;FIXTURES;RESOURCE_LOCK;LINK;RUNS;DATA;PROPERTIES")
    if(NOT arg_NAME OR NOT arg_SOURCES)
        message(FATAL_ERROR "itest_add_suite: NAME and SOURCES are required")
    endif()
    if(arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "itest_add_suite(${arg_NAME}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
    endif()
    if(NOT arg_TIMEOUT)
        set(arg_TIMEOUT 120)
    endif()

    set(target itest-${arg_NAME})
    add_executable(${target} ${arg_SOURCES})
    string(JOIN "," labels_c ${arg_LABELS})
    target_compile_definitions(${target} PRIVATE ITEST_SUITE_NAME="${arg_NAME}"
                                                 ITEST_SUITE_LABELS="${labels_c}")
    target_link_libraries(${target} PRIVATE itest::runner ${arg_LINK})
    if(COMMAND itest_target_defaults)
        itest_target_defaults(${target})
    endif()
    foreach(program IN LISTS arg_RUNS)
        _itest_exe_macro(macro "${program}")
        target_compile_definitions(${target} PRIVATE ${macro}="$<TARGET_FILE:${program}>")
        add_dependencies(${target} ${program})
    endforeach()

    # Properties every case shares, written once as ready-made CTest script text.
    string(JOIN ";" labels ${arg_LABELS})
    itest_bracket(b_labels "${labels}")
    # TIMEOUT and ITEST_STATE_DIR are this run's: variables the include file sets (below)
    set(common "TIMEOUT \${itest_suite_timeout} SKIP_RETURN_CODE 77")
    itest_bracket(b_marker "itest-skip-marker: every selected case was skipped")
    string(APPEND common " SKIP_REGULAR_EXPRESSION ${b_marker}")
    set(env "ITEST_STATE_DIR=set:\${itest_run_state}")
    if(DEFINED ITEST_DATA_DIR) # an installed itest: where its platform schema and LLM profiles are
        string(APPEND env ";ITEST_SQL_DIR=set:${ITEST_DATA_DIR}/sql")
        string(APPEND env ";ITEST_LLM_PROFILES_DIR=set:${ITEST_DATA_DIR}/llm-profiles")
    endif()
    string(APPEND common " ENVIRONMENT_MODIFICATION \"${env}\"")
    if(arg_FIXTURES)
        string(JOIN ";" fixtures ${arg_FIXTURES})
        itest_bracket(b "${fixtures}")
        string(APPEND common " FIXTURES_REQUIRED ${b}")
    endif()
    list(LENGTH arg_PROPERTIES n_props)
    math(EXPR odd "${n_props} % 2")
    if(odd)
        message(FATAL_ERROR "itest_add_suite(${arg_NAME}): PROPERTIES needs key value pairs")
    endif()
    set(i 0)
    while(i LESS n_props)
        list(GET arg_PROPERTIES ${i} key)
        math(EXPR j "${i} + 1")
        list(GET arg_PROPERTIES ${j} value)
        itest_bracket(b "${value}")
        string(APPEND common " ${key} ${b}")
        math(EXPR i "${i} + 2")
    endwhile()

    set(props_file "${CMAKE_CURRENT_BINARY_DIR}/${arg_NAME}_suite.cmake")
    set(tests_file "${CMAKE_CURRENT_BINARY_DIR}/${arg_NAME}_tests.cmake")
    set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${arg_NAME}_include.cmake")
    string(JOIN ";" locks ${arg_RESOURCE_LOCK})
    itest_bracket(b_suite "${arg_NAME}")
    itest_bracket(b_common "${common}")
    itest_bracket(b_locks "${locks}")
    itest_bracket(b_junit "${ITEST_JUNIT_DIR}")
    itest_bracket(b_fail "${_ITEST_FAIL_SCRIPT}")
    itest_bracket(b_cmake "${CMAKE_COMMAND}")
    file(WRITE "${props_file}"
         "set(suite ${b_suite})\nset(suite_labels ${b_labels})\nset(common ${b_common})\n"
         "set(suite_locks ${b_locks})\nset(junit_dir ${b_junit})\nset(fail_script ${b_fail})\n"
         "set(cmake_command ${b_cmake})\n")

    # Re-list after every build of the suite, and whenever this machinery changes.
    add_custom_command(OUTPUT "${tests_file}"
        COMMAND "${CMAKE_COMMAND}" -D "EXE=$<TARGET_FILE:${target}>" -D "PROPS=${props_file}"
                -D "OUT=${tests_file}" -P "${_ITEST_DISCOVER_SCRIPT}"
        DEPENDS ${target} "${props_file}" "${_ITEST_DISCOVER_SCRIPT}" ${arg_DATA}
                "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/ItestText.cmake"
                "${_ITEST_RUN_TIME_SCRIPT}"
        COMMENT "Listing the cases of suite ${arg_NAME}"
        VERBATIM)
    add_custom_target(${target}-cases ALL DEPENDS "${tests_file}")

    itest_bracket(b_tests "${tests_file}")
    itest_bracket(b_not_built "${arg_NAME}.NOT_BUILT")
    itest_bracket(b_msg "MESSAGE=suite ${arg_NAME} is not built yet: run cmake --build first")
    itest_bracket(b_run_time "${_ITEST_RUN_TIME_SCRIPT}")
    itest_bracket(b_root "${ITEST_STATE_DIR}")
    file(WRITE "${include_file}"
         "include(${b_run_time})\n"
         "itest_run_state_dir(itest_run_state ${b_root})\n"
         "itest_run_timeout(itest_suite_timeout ${arg_TIMEOUT})\n"
         "if(EXISTS ${b_tests})\n  include(${b_tests})\nelse()\n"
         "  add_test(${b_not_built} ${b_cmake} -D ${b_msg} -P ${b_fail})\nendif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
