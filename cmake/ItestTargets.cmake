# How the project's own targets are built and installed:
#
#   itest_target_defaults(target [EXPORT_NAME name])
#       C11 with GNU extensions (asprintf, memmem, strndup, __thread: Linux and glibc are the
#       target) and _GNU_SOURCE for the target's own sources; EXPORT_NAME is its name in the
#       installed package (itest::<name>).
#   itest_install_library(target COMPONENT name [HEADERS_DIRS dir...])
#       the static library, its public headers (each dir is an include/itest folder) and its
#       export set itest-<name>-targets, read by itestConfig.cmake.
#   itest_library(NAME name SOURCES ... [PUBLIC dep...] [PRIVATE dep...] [NO_HEADERS])
#       the static library itest_<name> (itest::<name>): the defaults above, its include/ folder
#       (when there is one and not NO_HEADERS) as the public include directory in the build tree
#       and include/ once installed, and installed as the component <name>
#   itest_install_program(target [EXPORT_NAME name])
#       a program, to bin/ and into the export set itest-programs-targets (so that another
#       project's itest_add_fixtures() can name itest::mock and itest::pg).
include_guard(GLOBAL)
include(GNUInstallDirs)

set(ITEST_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/itest")

function(itest_target_defaults target)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "EXPORT_NAME" "")
    target_compile_features(${target} PUBLIC c_std_11)
    set_target_properties(${target} PROPERTIES C_EXTENSIONS ON)
    target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
    if(arg_EXPORT_NAME)
        set_target_properties(${target} PROPERTIES EXPORT_NAME ${arg_EXPORT_NAME})
    endif()
endfunction()

function(itest_install_library target)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "COMPONENT" "HEADERS_DIRS")
    install(TARGETS ${target} EXPORT itest-${arg_COMPONENT}-targets
            ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT development)
    foreach(dir IN LISTS arg_HEADERS_DIRS)
        install(DIRECTORY "${dir}" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
                COMPONENT development FILES_MATCHING PATTERN "*.h")
    endforeach()
    install(EXPORT itest-${arg_COMPONENT}-targets NAMESPACE itest::
            DESTINATION "${ITEST_INSTALL_CMAKEDIR}" COMPONENT development)
endfunction()

function(itest_library)
    cmake_parse_arguments(PARSE_ARGV 0 arg "NO_HEADERS" "NAME" "SOURCES;PUBLIC;PRIVATE")
    set(target itest_${arg_NAME})
    add_library(${target} STATIC ${arg_SOURCES})
    add_library(itest::${arg_NAME} ALIAS ${target})
    itest_target_defaults(${target} EXPORT_NAME ${arg_NAME})
    set(headers "")
    if(NOT arg_NO_HEADERS AND EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/include/itest")
        target_include_directories(${target} PUBLIC
            $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
            $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
        set(headers HEADERS_DIRS "${CMAKE_CURRENT_SOURCE_DIR}/include/itest")
    endif()
    target_link_libraries(${target} PUBLIC ${arg_PUBLIC} PRIVATE ${arg_PRIVATE})
    itest_install_library(${target} COMPONENT ${arg_NAME} ${headers})
endfunction()

function(itest_install_program target)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "EXPORT_NAME" "")
    if(arg_EXPORT_NAME)
        set_target_properties(${target} PROPERTIES EXPORT_NAME ${arg_EXPORT_NAME})
    endif()
    install(TARGETS ${target} EXPORT itest-programs-targets
            RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT programs)
endfunction()
