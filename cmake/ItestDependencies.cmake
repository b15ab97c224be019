# Finds every dependency once and exposes one imported target each:
#   itest::cmocka  itest::microhttpd  itest::xml  itest::pcre2  CURL::libcurl
#   PostgreSQL::PostgreSQL  cjson  itest::http_parser
#   OpenSSL::Crypto (sha256 for the artifact store's ETags)
# Missing packages stop the configure step with the Debian package to install.

include_guard(GLOBAL)
find_package(PkgConfig REQUIRED)

macro(_itest_require found what package)
    if(NOT ${found})
        message(FATAL_ERROR "itest: ${what} not found; install the Debian package '${package}' "
                            "(scripts/bootstrap installs everything itest needs)")
    endif()
endmacro()

# cmocka: Debian's config file sets variables only, so wrap them in a target.
find_package(cmocka 1.1 CONFIG QUIET)
_itest_require(cmocka_FOUND "cmocka" libcmocka-dev)
if(NOT TARGET itest::cmocka)
    add_library(itest::cmocka INTERFACE IMPORTED)
    target_include_directories(itest::cmocka INTERFACE "${CMOCKA_INCLUDE_DIR}")
    target_link_libraries(itest::cmocka INTERFACE "${CMOCKA_LIBRARY}")
endif()

find_package(cJSON CONFIG QUIET)
_itest_require(cJSON_FOUND "cJSON" libcjson-dev)

find_package(CURL QUIET)
_itest_require(CURL_FOUND "libcurl" libcurl4-openssl-dev)

find_package(PostgreSQL QUIET)
_itest_require(PostgreSQL_FOUND "libpq" libpq-dev)

pkg_check_modules(MICROHTTPD QUIET IMPORTED_TARGET libmicrohttpd>=0.9.70)
_itest_require(MICROHTTPD_FOUND "libmicrohttpd" libmicrohttpd-dev)
if(NOT TARGET itest::microhttpd)
    add_library(itest::microhttpd INTERFACE IMPORTED)
    target_link_libraries(itest::microhttpd INTERFACE PkgConfig::MICROHTTPD)
endif()

# libxml2: streaming (SAX) parse for the report tool, with recovery for broken producers.
pkg_check_modules(LIBXML2 QUIET IMPORTED_TARGET libxml-2.0>=2.9)
_itest_require(LIBXML2_FOUND "libxml2" libxml2-dev)
if(NOT TARGET itest::xml)
    add_library(itest::xml INTERFACE IMPORTED)
    target_link_libraries(itest::xml INTERFACE PkgConfig::LIBXML2)
endif()

# PCRE2: the report tool's failure-category rules (JIT-compiled; POSIX regex is too slow for
# thousands of failures against a dozen rules).
pkg_check_modules(PCRE2 QUIET IMPORTED_TARGET libpcre2-8)
_itest_require(PCRE2_FOUND "PCRE2" libpcre2-dev)
if(NOT TARGET itest::pcre2)
    add_library(itest::pcre2 INTERFACE IMPORTED)
    target_link_libraries(itest::pcre2 INTERFACE PkgConfig::PCRE2)
endif()

# http-parser (the parser wrk uses): the load generator reads its answers with it. Debian ships
# neither a CMake config nor a pkg-config file for it.
find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h)
find_library(HTTP_PARSER_LIBRARY http_parser)
_itest_require(HTTP_PARSER_LIBRARY "http-parser" libhttp-parser-dev)
_itest_require(HTTP_PARSER_INCLUDE_DIR "http-parser" libhttp-parser-dev)
if(NOT TARGET itest::http_parser)
    add_library(itest::http_parser UNKNOWN IMPORTED)
    set_target_properties(itest::http_parser PROPERTIES
        IMPORTED_LOCATION "${HTTP_PARSER_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${HTTP_PARSER_INCLUDE_DIR}")
endif()

# OpenSSL's libcrypto: sha256 for the mock artifact store (libcurl already pulls it in).
find_package(OpenSSL QUIET COMPONENTS Crypto)
_itest_require(OpenSSL_FOUND "OpenSSL libcrypto" libssl-dev)

find_package(Threads REQUIRED)
