/* Sample cmocka run for itest-report's test data: two groups (two <testsuites> roots in one
 * file), names cmocka writes unescaped, and a locale whose decimal separator is a comma. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

static void passes(void **state) {
  (void)state;
  usleep(13000);
}
static void fails(void **state) {
  (void)state;
  assert_int_equal(404, 200);
}
static void skips(void **state) {
  (void)state;
  skip();
}
static void http_500(void **state) {
  (void)state;
  fail_msg("POST /tasks: HTTP 500 Internal Server Error");
}

int main(void) {
  setlocale(LC_ALL, "");
  const struct CMUnitTest registry[] = {
      cmocka_unit_test(passes),
      {"status <pending> & \"running\"", fails, NULL, NULL, NULL},
      cmocka_unit_test(skips),
  };
  const struct CMUnitTest store[] = {
      cmocka_unit_test(http_500),
      {"key a&b", passes, NULL, NULL, NULL},
  };
  int failed = cmocka_run_group_tests_name("registry", registry, NULL, NULL);
  failed += cmocka_run_group_tests_name("store", store, NULL, NULL);
  return failed ? 1 : 0;
}
