// Sample jest run for itest-report's test data (jest-junit reporter).
describe('registry', () => {
  test('creates a task', () => {
    expect(1 + 1).toBe(2);
  });
  test('rejects a bad priority', () => {
    expect({ status: 400 }).toEqual({ status: 201 });
  });
  test.skip('needs TASK_REGISTRY_URL', () => {});
  test('connects', async () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:45123');
  });
});
describe('llm', () => {
  test('chat @gpt-4o-mini', () => {});
  test('chat @gpt-4o', () => {
    throw new Error('\u001b[31m429 Too Many Requests: Rate limit reached, retry after 20s');
  });
});
