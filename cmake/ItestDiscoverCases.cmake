# Run after a suite is built: lists its cases (EXE --list-properties) and writes OUT, the CTest
# script that registers each case as <suite>.<case>. PROPS holds the suite's shared properties.
cmake_minimum_required(VERSION 3.25)
include("${PROPS}")
include("${CMAKE_CURRENT_LIST_DIR}/ItestText.cmake")

function(write_failure message)
    itest_bracket(b_name "${suite}.LISTING_FAILED")
    itest_bracket(b_msg "MESSAGE=${message}")
    itest_bracket(b_cmake "${cmake_command}")
    itest_bracket(b_fail "${fail_script}")
    file(WRITE "${OUT}" "add_test(${b_name} ${b_cmake} -D ${b_msg} -P ${b_fail})\n"
                        "set_tests_properties(${b_name} PROPERTIES LABELS ${b_labels})\n")
    message(WARNING "${message}")
endfunction()

itest_bracket(b_labels "${suite_labels}")
execute_process(COMMAND "${EXE}" --list-properties
                OUTPUT_VARIABLE listing ERROR_VARIABLE errors RESULT_VARIABLE rc
                TIMEOUT 60)
if(NOT rc EQUAL 0)
    write_failure("listing the cases of suite ${suite} failed (${EXE} --list-properties, exit ${rc}):\n${errors}")
    return()
endif()

# One case per line: name, then tab-separated key=value pairs. Lines are split by hand so that
# ';' inside values survives.
string(REPLACE "\r" "" listing "${listing}")
set(script "")
set(count 0)
while(NOT listing STREQUAL "")
    itest_split_first("${listing}" "\n" line listing)
    if(line STREQUAL "")
        continue()
    endif()

    itest_split_first("${line}" "\t" name fields)
    set(labels "${suite_labels}")
    set(extra "")
    set(locks "${suite_locks}")
    while(NOT fields STREQUAL "")
        itest_split_first("${fields}" "\t" field fields)
        itest_split_first("${field}" "=" key value)
        if(key STREQUAL "labels")
            list(APPEND labels ${value})
            list(REMOVE_DUPLICATES labels)
        elseif(key STREQUAL "cost")
            string(APPEND extra " COST ${value}")
        elseif(key STREQUAL "depends")
            set(deps "")
            foreach(dep IN LISTS value)
                list(APPEND deps "${suite}.${dep}")
            endforeach()
            itest_bracket(b "${deps}")
            string(APPEND extra " DEPENDS ${b}")
        elseif(key STREQUAL "resource_lock")
            list(APPEND locks ${value})
        endif()
    endwhile()
    if(locks)
        itest_bracket(b "${locks}")
        string(APPEND extra " RESOURCE_LOCK ${b}")
    endif()

    # --filter takes a glob: escape its metacharacters so the case is matched exactly.
    string(REGEX REPLACE "([][*?\\\\])" "\\\\\\1" glob "${name}")
    string(MAKE_C_IDENTIFIER "${name}" file_stem)
    itest_bracket(b_test "${suite}.${name}")
    itest_bracket(b_exe "${EXE}")
    itest_bracket(b_glob "${glob}")
    itest_bracket(b_junit "${junit_dir}/${suite}.${file_stem}.xml")
    itest_bracket(b_case_labels "${labels}")
    string(APPEND script
        "add_test(${b_test} ${b_exe} --filter ${b_glob} --junit ${b_junit})\n"
        "set_tests_properties(${b_test} PROPERTIES LABELS ${b_case_labels} ${common}${extra})\n")
    math(EXPR count "${count} + 1")
endwhile()

if(count EQUAL 0)
    write_failure("suite ${suite} listed no cases (${EXE} --list-properties printed nothing)")
    return()
endif()
file(WRITE "${OUT}" "${script}")
