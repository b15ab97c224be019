// Sample GoogleTest run for itest-report's test data: several failures in one case, a
// disabled case (result="suppressed"), a skip, and a failure outside any test
// (NonTestSuiteFailure).
#include <gtest/gtest.h>

TEST(Pool, Allocates) { EXPECT_EQ(1, 1); }
TEST(Pool, TwoFailures) {
  EXPECT_EQ(3, 4) << "in_use after allocate";
  EXPECT_EQ(5, 6) << "in_use after release";
}
TEST(Pool, DISABLED_Later) { FAIL(); }
TEST(Pool, Skipped) { GTEST_SKIP() << "REPO_POOL_URL is not set"; }
TEST(Store, Unauthorized) { FAIL() << "GET /artifacts/a: HTTP 401 Unauthorized"; }

class Env : public ::testing::Environment {
 public:
  void TearDown() override { ADD_FAILURE() << "environment teardown left slot 7 allocated"; }
};

int main(int argc, char **argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new Env);
  return RUN_ALL_TESTS();
}
