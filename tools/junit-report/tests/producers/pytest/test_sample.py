# Sample pytest run for itest-report's test data (scripts: ../generate).
import pytest


def test_passes():
    assert 1 + 1 == 2


def test_assertion_fails():
    assert {"status": "pending"} == {"status": "running"}, "task status after PATCH"


def test_connection_refused():
    raise ConnectionRefusedError("[Errno 111] Connection refused: http://127.0.0.1:45123/tasks")


def test_times_out():
    raise TimeoutError("operation timed out after 30001 milliseconds")


@pytest.mark.skip(reason="LLM_BASE_URL is not set")
def test_skipped():
    pass


@pytest.fixture
def slot():
    yield "slot-1"
    raise RuntimeError("teardown: could not release /tmp/pytest-of-root/pytest-7/slot-1")


def test_fails_and_teardown_fails(slot):
    assert False, "first line\nsecond line"


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-4o"])
def test_chat(model):
    print("<DartMeasurement name=\"ttft_ms\" type=\"numeric/double\">12.5</DartMeasurement>")
    assert model != "gpt-4o", f"{model}: HTTP 503 Service Unavailable from /v1/chat/completions"


@pytest.mark.xfail(reason="known bug 123")
def test_expected_failure():
    assert False
