# itest_add_fixtures(): registers the CTest fixtures of the embedded default, the same way in the
# main build, in the nested projects the hardening selftests configure and in another project
# that uses an installed itest:
#
#   mocks     itest-mock for every service whose URL variable is unset, found through
#             <run state dir>/mocks.json; it first stops the mocks of runs that have ended
#             (an interrupted run) under the state root; with SEEDS, the repo pool serves a
#             bare repository per seed project there (working trees for the e2e runner)
#   postgres  a throwaway cluster from the cached template (<PG_WORK_DIR>), postgres.json
#   pgbouncer transaction pooling in front of it (after postgres, stopped before it)
#   alertmanager  with MONITOR: Alertmanager and the drill (an itest-mock of its own, the
#             webhook receiver), alertmanager.json; nothing when ALERTMANAGER_URL is set
#   prometheus    with MONITOR: the exporters and Prometheus scraping everything above with the
#             platform's rules (MONITORING_RULES, else itest-monitor's default), prometheus.json;
#             nothing when PROMETHEUS_URL is set
#   gateway   with GATEWAY: nginx with njs in front of itest-mock LLM backends (the same RULES;
#             the njs module GATEWAY_NJS, else the program's default), gateway.json; nothing
#             when GATEWAY_URL is set
#
#   itest_add_fixtures(MOCK exe PG exe STATE_DIR root PG_WORK_DIR dir RULES file [SEEDS dir]
#                      [MONITOR exe [MONITORING_RULES file]] [GATEWAY exe [GATEWAY_NJS file]])
#
# MOCK, PG, MONITOR and GATEWAY are targets (itest-mock or itest::itest-mock) or paths. Each ctest run keeps its
# state in a directory of its own under STATE_DIR (cmake/ItestRunTime.cmake), which every case
# finds through ITEST_STATE_DIR. The LLM wants the key ITEST_MOCK_LLM_KEY (itest/platform.h),
# so that the 401 cases have something to refuse.
include_guard(GLOBAL)

set(_ITEST_RUN_TIME_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/ItestRunTime.cmake")

# The program a fixture runs: a target's file, or the path as given.
function(_itest_program out program)
    if(TARGET "${program}")
        set(${out} "$<TARGET_FILE:${program}>" PARENT_SCOPE)
    else()
        set(${out} "${program}" PARENT_SCOPE)
    endif()
endfunction()

function(itest_add_fixtures)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "MOCK;PG;STATE_DIR;PG_WORK_DIR;RULES;SEEDS;MONITOR;MONITORING_RULES;GATEWAY;GATEWAY_NJS" "")
    foreach(required MOCK PG STATE_DIR PG_WORK_DIR RULES)
        if(NOT arg_${required})
            message(FATAL_ERROR "itest_add_fixtures: ${required} is required")
        endif()
    endforeach()
    file(MAKE_DIRECTORY "${arg_STATE_DIR}")
    _itest_program(mock "${arg_MOCK}")
    _itest_program(pg "${arg_PG}")
    set(root "${arg_STATE_DIR}")
    set(work "${arg_PG_WORK_DIR}")
    # Written with the programs' paths now, read by ctest at each run (bracket arguments keep
    # any path intact; ${run} is this run's state directory).
    set(script [=[
include("@run_time@")
itest_run_state_dir(run [==[@root@]==])
itest_run_timeout(t60 60)
itest_run_timeout(t120 120)
set(env "ITEST_STATE_DIR=set:${run}")
add_test(mocks.start [==[@mock@]==] --service all --skip-configured --replace
         --reap-stale [==[@root@]==] --detach --state-file "${run}/mocks.json"
         --data-dir "${run}" --log "${run}/mocks.log" --rules [==[@rules@]==]
         --capacity 16 --api-key itest-mock-key --vector-api-key itest-mock-vector-key
         @seeds@)
set_tests_properties(mocks.start PROPERTIES FIXTURES_SETUP mocks LABELS fixture TIMEOUT ${t60}
                     ENVIRONMENT_MODIFICATION "${env}")
add_test(mocks.stop [==[@mock@]==] --stop --state-file "${run}/mocks.json")
set_tests_properties(mocks.stop PROPERTIES FIXTURES_CLEANUP mocks LABELS fixture TIMEOUT ${t60}
                     ENVIRONMENT_MODIFICATION "${env}")
foreach(step start stop)
    foreach(kind postgres pgbouncer)
        set(extra "")
        if(step STREQUAL "start")
            set(extra --skip-configured)
        endif()
        add_test(${kind}.${step} [==[@pg@]==] ${step} ${kind} ${extra} --state-dir "${run}"
                 --work-dir [==[@work@]==] @sql@)
    endforeach()
endforeach()
set_tests_properties(postgres.start PROPERTIES FIXTURES_SETUP postgres TIMEOUT ${t120})
set_tests_properties(postgres.stop PROPERTIES FIXTURES_CLEANUP postgres TIMEOUT ${t60})
set_tests_properties(pgbouncer.start PROPERTIES FIXTURES_SETUP pgbouncer FIXTURES_REQUIRED postgres
                     TIMEOUT ${t120})
set_tests_properties(pgbouncer.stop PROPERTIES FIXTURES_CLEANUP pgbouncer
                     FIXTURES_REQUIRED postgres TIMEOUT ${t60})
set_tests_properties(postgres.start postgres.stop pgbouncer.start pgbouncer.stop PROPERTIES
                     LABELS fixture ENVIRONMENT_MODIFICATION "${env}")
]=])
    set(run_time "${_ITEST_RUN_TIME_SCRIPT}")
    set(rules "${arg_RULES}")
    set(seeds "")
    if(arg_SEEDS)
        set(seeds "--seeds [==[${arg_SEEDS}]==]")
    endif()
    set(sql "")
    if(DEFINED ITEST_DATA_DIR) # an installed itest: the template gets its platform schema
        set(sql "--sql-dir [==[${ITEST_DATA_DIR}/sql]==]")
    endif()
    if(arg_MONITOR)
        _itest_program(monitor "${arg_MONITOR}")
        set(monitoring_rules "")
        if(arg_MONITORING_RULES)
            set(monitoring_rules "--rules [==[${arg_MONITORING_RULES}]==]")
        endif()
        string(APPEND script [=[
foreach(kind alertmanager prometheus)
    add_test(${kind}.start [==[@monitor@]==] start ${kind} --skip-configured --state-dir "${run}"
             --mock [==[@mock@]==] --pg [==[@pg@]==] --pg-work-dir [==[@work@]==]
             @monitoring_rules@)
    add_test(${kind}.stop [==[@monitor@]==] stop ${kind} --state-dir "${run}"
             --mock [==[@mock@]==] --pg [==[@pg@]==] --pg-work-dir [==[@work@]==])
    set_tests_properties(${kind}.start ${kind}.stop PROPERTIES LABELS fixture TIMEOUT ${t60}
                         ENVIRONMENT_MODIFICATION "${env}")
endforeach()
set_tests_properties(alertmanager.start PROPERTIES FIXTURES_SETUP alertmanager)
set_tests_properties(alertmanager.stop PROPERTIES FIXTURES_CLEANUP alertmanager)
# Prometheus scrapes the mocks, the drill and the exporters in front of the database and pooler
set_tests_properties(prometheus.start PROPERTIES FIXTURES_SETUP prometheus
                     FIXTURES_REQUIRED "mocks;postgres;pgbouncer;alertmanager")
set_tests_properties(prometheus.stop PROPERTIES FIXTURES_CLEANUP prometheus
                     FIXTURES_REQUIRED "mocks;postgres;pgbouncer;alertmanager")
]=])
    endif()
    if(arg_GATEWAY)
        _itest_program(gateway "${arg_GATEWAY}")
        set(gateway_njs "")
        if(arg_GATEWAY_NJS) # an installed itest: the njs module from its data directory
            set(gateway_njs "--njs [==[${arg_GATEWAY_NJS}]==]")
        endif()
        string(APPEND script [=[
add_test(gateway.start [==[@gateway@]==] start --skip-configured --state-dir "${run}"
         --mock [==[@mock@]==] --rules [==[@rules@]==] @gateway_njs@)
add_test(gateway.stop [==[@gateway@]==] stop --state-dir "${run}" --mock [==[@mock@]==])
set_tests_properties(gateway.start gateway.stop PROPERTIES LABELS fixture TIMEOUT ${t60}
                     ENVIRONMENT_MODIFICATION "${env}")
set_tests_properties(gateway.start PROPERTIES FIXTURES_SETUP gateway)
set_tests_properties(gateway.stop PROPERTIES FIXTURES_CLEANUP gateway)
]=])
    endif()
    string(CONFIGURE "${script}" script @ONLY)
    set(include_file "${CMAKE_CURRENT_BINARY_DIR}/itest_fixtures_include.cmake")
    file(GENERATE OUTPUT "${include_file}" CONTENT "${script}")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
