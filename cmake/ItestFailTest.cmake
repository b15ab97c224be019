# A test that fails with MESSAGE: stands in for a suite whose cases could not be listed.
message(FATAL_ERROR "${MESSAGE}")
