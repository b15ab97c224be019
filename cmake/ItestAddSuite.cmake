# itest_add_suite(): builds one CMocka suite executable and registers each of its cases as the
# CTest test <suite>.<case> (the way gtest_discover_tests does, but keeping list-valued
# properties intact).
#
#   itest_add_suite(NAME services
#                   SOURCES services.c ...
#                   [LABELS integration ...]          every case's labels (cases may add more)
#                   [FIXTURES mocks ...]              FIXTURES_REQUIRED
#                   [TIMEOUT seconds]                 per case (default 120)
#                   [RESOURCE_LOCK name ...]          every case's locks
#                   [LINK target ...]                 extra libraries
#                   [DATA file ...]                   files the case list is built from (re-list
#                                                     when they change, e.g. prompts.jsonc)
#                   [PROPERTIES key value ...])       any further test properties, verbatim
#
# After each build the executable's --list-properties is read and <name>_tests.cmake written;
# if listing fails, a single failing test <name>.LISTING_FAILED carries the error instead.

include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/ItestText.cmake)

set(_ITEST_DISCOVER_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/ItestDiscoverCases.cmake")
set(_ITEST_FAIL_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/ItestFailTest.cmake")

function(itest_add_suite)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;TIMEOUT"
                          "SOURCES;LABELS;FIXTURES;RESOURCE_LOCK;LINK;DATA;PROPERTIES")
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
    target_link_libraries(${target} PRIVATE itest::fixtures ${arg_LINK})

    # Properties every case shares, written once as ready-made CTest script text.
    string(JOIN ";" labels ${arg_LABELS})
    itest_bracket(b_labels "${labels}")
    itest_bracket(b_state "ITEST_STATE_DIR=set:${ITEST_STATE_DIR}")
    set(common "TIMEOUT ${arg_TIMEOUT} SKIP_RETURN_CODE 77")
    itest_bracket(b_marker "itest-skip-marker: every selected case was skipped")
    string(APPEND common " SKIP_REGULAR_EXPRESSION ${b_marker}")
    string(APPEND common " ENVIRONMENT_MODIFICATION ${b_state}")
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
        COMMENT "Listing the cases of suite ${arg_NAME}"
        VERBATIM)
    add_custom_target(${target}-cases ALL DEPENDS "${tests_file}")

    itest_bracket(b_tests "${tests_file}")
    itest_bracket(b_not_built "${arg_NAME}.NOT_BUILT")
    itest_bracket(b_msg "MESSAGE=suite ${arg_NAME} is not built yet: run cmake --build first")
    file(WRITE "${include_file}"
         "if(EXISTS ${b_tests})\n  include(${b_tests})\nelse()\n"
         "  add_test(${b_not_built} ${b_cmake} -D ${b_msg} -P ${b_fail})\nendif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
