# Text helpers shared by itest_add_suite() (configure time) and case discovery (script mode).

# Renders value as a bracket argument, safe for any text including ';', quotes and '$'.
function(itest_bracket out value)
    set(eq "=")
    while(value MATCHES "]${eq}]")
        string(APPEND eq "=")
    endwhile()
    set(${out} "[${eq}[${value}]${eq}]" PARENT_SCOPE)
endfunction()

# Splits text at the first separator: head before it, rest after it (rest is empty when there
# is no separator). Plain string operations, so ';' in the text survives.
function(itest_split_first text separator head_var rest_var)
    string(FIND "${text}" "${separator}" at)
    if(at EQUAL -1)
        set(${head_var} "${text}" PARENT_SCOPE)
        set(${rest_var} "" PARENT_SCOPE)
    else()
        string(SUBSTRING "${text}" 0 ${at} head)
        string(LENGTH "${separator}" len)
        math(EXPR after "${at} + ${len}")
        string(SUBSTRING "${text}" ${after} -1 rest)
        set(${head_var} "${head}" PARENT_SCOPE)
        set(${rest_var} "${rest}" PARENT_SCOPE)
    endif()
endfunction()
