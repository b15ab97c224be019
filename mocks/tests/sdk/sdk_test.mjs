// The official openai SDK, unchanged, against itest-mock's LLM: chat, streaming with the usage
// chunk, models, embeddings (base64 by default), typed errors, and retries honouring
// retry-after-ms. Usage: node sdk_test.mjs /path/to/itest-mock
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

let OpenAI;
try {
  ({ default: OpenAI } = await import('openai'));
} catch (e) {
  console.error(`sdk_test.mjs: the openai package is not installed in ${import.meta.dirname}/node_modules ` +
                `(${e.message}); scripts/bootstrap installs it with npm ci`);
  process.exit(1);
}

const mockExe = process.argv[2];
if (!mockExe) {
  console.error('usage: node sdk_test.mjs /path/to/itest-mock');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'itest-sdk-'));
const stateFile = join(dir, 'state.json');
const KEY = 'sk-itest-sdk-key';
const mock = spawn(mockExe, ['--service', 'llm', '--api-key', KEY, '--state-file', stateFile,
                             '--data-dir', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
const stop = () => { mock.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); };

const deadline = Date.now() + 10000;
while (!existsSync(stateFile)) {
  if (Date.now() > deadline || mock.exitCode !== null) {
    console.error('sdk_test.mjs: itest-mock did not become ready within 10 s');
    stop();
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 5));
}
const root = JSON.parse(readFileSync(stateFile, 'utf8')).services.llm.url;
const baseURL = `${root}/v1`;
const client = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0 });

async function admin(path, body) {
  const res = await fetch(`${root}/__admin/${path}`, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.text();
  assert.ok(res.ok, `admin ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

const messages = [{ role: 'user', content: 'Describe the repo pool in one sentence.' }];
const checks = {
  async models() {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids.includes('gpt-4o-mini'), `models: ${ids}`);
  },
  async chat_and_stream_with_usage() {
    const plain = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const text = plain.choices[0].message.content;
    assert.equal(typeof text, 'string');
    assert.equal(plain.usage.prompt_tokens + plain.usage.completion_tokens, plain.usage.total_tokens);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true },
    });
    let joined = '';
    let usage = null;
    let finish = null;
    for await (const chunk of stream) {
      if (chunk.choices.length) {
        joined += chunk.choices[0].delta.content ?? '';
        finish = chunk.choices[0].finish_reason ?? finish;
      } else {
        usage = chunk.usage;
      }
    }
    assert.equal(joined, text);
    assert.equal(finish, 'stop');
    assert.deepEqual(usage, plain.usage);
  },
  async embeddings_base64_by_default() {
    const def = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha' });
    const flt = await client.embeddings.create({
      model: 'text-embedding-3-small', input: 'alpha', encoding_format: 'float',
    });
    assert.equal(def.data[0].embedding.length, 1536);
    // the same float32 vector: base64 carries float32 bytes, JSON their shortest decimal form
    assert.deepEqual(def.data[0].embedding, flt.data[0].embedding.map(Math.fround));
  },
  async typed_errors() {
    const bad = new OpenAI({ apiKey: 'sk-wrong', baseURL, maxRetries: 0 });
    await assert.rejects(bad.models.list(), (e) => e instanceof OpenAI.AuthenticationError &&
      e.status === 401 && e.code === 'invalid_api_key');
    await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages }),
      (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found');
    const scoped = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0,
                                defaultHeaders: { 'X-Itest-Scope': 'sdk.errors' } });
    await admin('faults', { scope: 'sdk.errors', response: { status: 500 }, times: 1 });
    await assert.rejects(scoped.models.list(), (e) => e instanceof OpenAI.InternalServerError);
    await admin('faults', { scope: 'sdk.errors', response: { rateLimit: { retryAfterMs: 100 } }, times: 1 });
    await assert.rejects(scoped.models.list(), (e) => e instanceof OpenAI.RateLimitError);
  },
  async retry_honours_retry_after_ms() {
    const retrying = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 2,
                                  defaultHeaders: { 'X-Itest-Scope': 'sdk.retry' } });
    await admin('faults', { scope: 'sdk.retry', response: { rateLimit: { retryAfterMs: 400 } }, times: 1 });
    const t0 = Date.now();
    const page = await retrying.models.list();
    const waited = Date.now() - t0;
    assert.ok(page.data.length > 0);
    assert.ok(waited >= 380, `the SDK retried after ${waited} ms, not after retry-after-ms 400`);
    const { count } = await admin('requests/count', { scope: 'sdk.retry' });
    assert.equal(count, 2);
  },
};

let failed = 0;
let n = 0;
for (const [name, check] of Object.entries(checks)) {
  n++;
  try {
    await check();
    console.log(`ok ${n} - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${n} - ${name}\n  ${String(e.stack || e).split('\n').join('\n  ')}`);
  }
}
stop();
const sdk = JSON.parse(readFileSync(new URL('./node_modules/openai/package.json', import.meta.url)));
console.log(`${n - failed}/${n} checks passed with the openai SDK ${sdk.version} on Node ${process.version}`);
process.exit(failed ? 1 : 0);
