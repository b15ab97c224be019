/* A service answered from cassettes (cassette.h): the recorded answer of the matching request,
 * streams paced as they were recorded (divided by --replay-speed; 0: at once). A request with no
 * recording answers 598 replay_miss naming the closest recording and the difference, or is
 * forwarded (--replay-miss proxy). Faults, /health, /metrics and the admin API stay the mock's. */
#ifndef MOCK_REPLAY_H
#define MOCK_REPLAY_H

/* The status of a request with no recording: outside what services send, so that no case that
 * expects an error passes on a miss. */
#define MOCK_REPLAY_MISS_STATUS 598

extern const struct mock_routes mock_replay_routes;

#endif
