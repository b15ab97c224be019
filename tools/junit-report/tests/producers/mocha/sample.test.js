// Sample mocha run for itest-report's test data (mocha-junit-reporter).
const assert = require('assert');
describe('store', function () {
  it('puts an artifact', function () {});
  it('gets the same bytes', function () {
    assert.strictEqual('sha256:ab12', 'sha256:cd34', 'ETag differs\u001b[31m red\u001b[0m');
  });
  it.skip('needs ARTIFACT_STORE_URL', function () {});
  it('times out', function (done) {
    this.timeout(50);
  });
});
describe('llm', function () {
  it('returns JSON', function () {
    JSON.parse('{"choices": [');
  });
});
