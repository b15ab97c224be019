# What varies from one ctest run to the next, evaluated by ctest when it reads the tests (the
# TEST_INCLUDE_FILES that itest_add_suite() and itest_add_fixtures() write), not at configure
# time. Read once per ctest run:
#
#   ITEST_TIMEOUT_MULTIPLIER  scales every test's TIMEOUT (a slow machine); an invalid value
#                             leaves them as they are (the cases themselves then fail, naming it)
#   the run's state directory <state root>/run-<time>-<random>: each ctest run gets fixtures of
#                             its own, so a second run on the same build tree (an IDE's test
#                             explorer beside a command-line run) never stops the first one's
#
#   itest_run_timeout(<out> <seconds>)         the TIMEOUT for a test of <seconds>
#   itest_run_state_dir(<out> <state root>)    this run's state directory under the root
include_guard(GLOBAL)

set(_m "$ENV{ITEST_TIMEOUT_MULTIPLIER}")
set(_milli 1000)
if(_m MATCHES "^([0-9]+)(\\.([0-9]+))?$")
    set(_frac "${CMAKE_MATCH_3}000")
    string(SUBSTRING "${_frac}" 0 3 _frac)
    math(EXPR _candidate "${CMAKE_MATCH_1} * 1000 + 1${_frac} - 1000")
    if(_candidate GREATER_EQUAL 100 AND _candidate LESS_EQUAL 100000)
        set(_milli ${_candidate})
    endif()
endif()
set_property(GLOBAL PROPERTY ITEST_TIMEOUT_MILLI ${_milli})

string(TIMESTAMP _stamp "%Y%m%d-%H%M%S" UTC)
string(RANDOM LENGTH 8 ALPHABET "0123456789abcdef" _random)
set_property(GLOBAL PROPERTY ITEST_RUN_ID "${_stamp}-${_random}")

function(itest_run_timeout out seconds)
    get_property(milli GLOBAL PROPERTY ITEST_TIMEOUT_MILLI)
    math(EXPR scaled "(${seconds} * ${milli} + 999) / 1000")
    set(${out} ${scaled} PARENT_SCOPE)
endfunction()

function(itest_run_state_dir out root)
    get_property(id GLOBAL PROPERTY ITEST_RUN_ID)
    set(${out} "${root}/run-${id}" PARENT_SCOPE)
endfunction()
