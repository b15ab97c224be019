# itest_add_fixtures(): registers the CTest fixtures of the embedded default, the same way in the
# main build and in the nested projects the hardening selftests configure:
#
#   mocks     itest-mock for every service whose URL variable is unset, found through
#             <STATE_DIR>/mocks.json; --replace stops an instance an interrupted run left behind
#   postgres  a throwaway cluster from the cached template (<PG_WORK_DIR>), postgres.json
#   pgbouncer transaction pooling in front of it (after postgres, stopped before it)
#
#   itest_add_fixtures(MOCK exe PG exe STATE_DIR dir PG_WORK_DIR dir RULES file)
#
# MOCK and PG are target names or paths. The LLM wants the key itest-mock-key
# (ITEST_MOCK_LLM_KEY in itest/llm.h), so that the 401 cases have something to refuse.
include_guard(GLOBAL)

function(itest_add_fixtures)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "MOCK;PG;STATE_DIR;PG_WORK_DIR;RULES" "")
    foreach(required MOCK PG STATE_DIR PG_WORK_DIR RULES)
        if(NOT arg_${required})
            message(FATAL_ERROR "itest_add_fixtures: ${required} is required")
        endif()
    endforeach()
    set(mock_state "${arg_STATE_DIR}/mocks.json")
    add_test(NAME mocks.start
        COMMAND ${arg_MOCK} --service all --skip-configured --replace --detach
                --state-file "${mock_state}"
                --data-dir "${arg_STATE_DIR}"
                --log "${arg_STATE_DIR}/mocks.log"
                --rules "${arg_RULES}"
                --capacity 16
                --api-key itest-mock-key)
    set_tests_properties(mocks.start PROPERTIES FIXTURES_SETUP mocks LABELS fixture TIMEOUT 60)
    add_test(NAME mocks.stop COMMAND ${arg_MOCK} --stop --state-file "${mock_state}")
    set_tests_properties(mocks.stop PROPERTIES FIXTURES_CLEANUP mocks LABELS fixture TIMEOUT 60)

    set(dirs --state-dir "${arg_STATE_DIR}" --work-dir "${arg_PG_WORK_DIR}")
    add_test(NAME postgres.start COMMAND ${arg_PG} start postgres --skip-configured ${dirs})
    set_tests_properties(postgres.start PROPERTIES FIXTURES_SETUP postgres LABELS fixture
                                                   TIMEOUT 120)
    add_test(NAME postgres.stop COMMAND ${arg_PG} stop postgres ${dirs})
    set_tests_properties(postgres.stop PROPERTIES FIXTURES_CLEANUP postgres LABELS fixture
                                                  TIMEOUT 60)
    add_test(NAME pgbouncer.start COMMAND ${arg_PG} start pgbouncer --skip-configured ${dirs})
    set_tests_properties(pgbouncer.start PROPERTIES FIXTURES_SETUP pgbouncer
                                                    FIXTURES_REQUIRED postgres
                                                    LABELS fixture TIMEOUT 120)
    add_test(NAME pgbouncer.stop COMMAND ${arg_PG} stop pgbouncer ${dirs})
    set_tests_properties(pgbouncer.stop PROPERTIES FIXTURES_CLEANUP pgbouncer
                                                   FIXTURES_REQUIRED postgres
                                                   LABELS fixture TIMEOUT 60)
endfunction()
