// The official openai SDK, unchanged, against itest-mock's LLM: chat, streaming with the usage
// chunk, models, embeddings (base64 by default), typed errors, retries honouring retry-after-ms,
// the Responses API (plain, streamed, stored, a function call round trip through
// previous_response_id), structured outputs read back by the SDK and parallel tool calls.
// Usage: node sdk_test.mjs /path/to/itest-mock [rules.json]
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
const rulesFile = process.argv[3];
if (!mockExe) {
  console.error('usage: node sdk_test.mjs /path/to/itest-mock [rules.json]');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'itest-sdk-'));
const stateFile = join(dir, 'state.json');
const KEY = 'sk-itest-sdk-key';
const mock = spawn(mockExe, ['--service', 'llm', '--api-key', KEY, '--state-file', stateFile,
                             '--data-dir', dir, ...(rulesFile ? ['--rules', rulesFile] : [])],
                   { stdio: ['ignore', 'ignore', 'inherit'] });
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
const weather = {
  name: 'get_weather',
  description: 'The current weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
    additionalProperties: false,
  },
  strict: true,
};
const profile = {
  type: 'json_schema',
  json_schema: {
    name: 'profile',
    strict: true,
    schema: {
      type: 'object',
      properties: {
        name: { type: 'string' }, born: { type: 'integer' },
        fields: { type: 'array', items: { type: 'string' } },
      },
      required: ['name', 'born', 'fields'],
      additionalProperties: false,
    },
  },
};
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
  async responses_plain_stored_and_deleted() {
    const r = await client.responses.create({
      model: 'gpt-4o-mini', instructions: 'Answer in one word.', input: 'Say pong',
    });
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.equal(r.instructions, 'Answer in one word.');
    assert.ok(r.output_text.length > 0, 'output_text is empty');
    assert.equal(r.usage.input_tokens + r.usage.output_tokens, r.usage.total_tokens);
    const again = await client.responses.retrieve(r.id);
    assert.equal(again.output_text, r.output_text);
    const gone = await client.responses.delete(r.id);
    assert.ok(gone === undefined || gone === null || gone.deleted !== false, `delete: ${JSON.stringify(gone)}`);
    await assert.rejects(client.responses.retrieve(r.id), (e) => e instanceof OpenAI.NotFoundError);
    const capped = await client.responses.create({
      model: 'gpt-4o-mini', input: 'Describe the repo pool in one sentence.', max_output_tokens: 2,
    });
    assert.equal(capped.status, 'incomplete');
    assert.equal(capped.incomplete_details.reason, 'max_output_tokens');
  },
  async responses_streamed_events_in_order() {
    const plain = await client.responses.create({ model: 'gpt-4o-mini', input: 'Describe the repo pool in one sentence.' });
    const stream = await client.responses.create({
      model: 'gpt-4o-mini', input: 'Describe the repo pool in one sentence.', stream: true,
    });
    const types = [];
    let seq = -1;
    let text = '';
    let done = null;
    for await (const event of stream) {
      assert.equal(event.sequence_number, seq + 1, `sequence_number after ${seq}: ${event.sequence_number}`);
      seq = event.sequence_number;
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') done = event.response;
    }
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
    for (const t of ['response.output_item.added', 'response.content_part.added',
                     'response.output_text.delta', 'response.output_text.done', 'response.output_item.done'])
      assert.ok(types.includes(t), `no ${t} in ${types}`);
    assert.ok(types.indexOf('response.output_item.added') < types.indexOf('response.output_text.delta'));
    assert.equal(text, plain.output_text);
    assert.equal(done.output[0].content[0].text, text);
    // the SDK's own accumulator takes the events (it throws on one out of place); its final
    // response carries no output_text, so read the message's part
    const helper = client.responses.stream({ model: 'gpt-4o-mini', input: 'Describe the repo pool in one sentence.' });
    let deltas = '';
    helper.on('response.output_text.delta', (e) => { deltas += e.delta; });
    const final = await helper.finalResponse();
    assert.equal(deltas, plain.output_text);
    assert.equal(final.output.find((item) => item.type === 'message').content[0].text, plain.output_text);
  },
  async responses_function_call_round_trip() {
    const tools = [{ type: 'function', ...weather }];
    const first = await client.responses.create({
      model: 'gpt-4o-mini', input: 'What is the weather in Berlin?', tools,
    });
    const call = first.output.find((item) => item.type === 'function_call');
    assert.ok(call, `no function_call in ${JSON.stringify(first.output)}`);
    assert.equal(call.name, 'get_weather');
    assert.equal(typeof call.arguments, 'string');
    assert.equal(JSON.parse(call.arguments).city, 'Berlin');
    // streamed, the SDK assembles the same call from the argument deltas
    const streamed = await client.responses.stream({
      model: 'gpt-4o-mini', input: 'What is the weather in Berlin?', tools,
    }).finalResponse();
    const streamedCall = streamed.output.find((item) => item.type === 'function_call');
    assert.deepEqual(JSON.parse(streamedCall.arguments), JSON.parse(call.arguments));
    const second = await client.responses.create({
      model: 'gpt-4o-mini', previous_response_id: first.id, tools,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temperature": 21}' }],
    });
    assert.equal(second.status, 'completed');
    assert.equal(second.previous_response_id, first.id);
    assert.ok(second.output_text.length > 0, `no text after the tool output: ${JSON.stringify(second.output)}`);
    assert.ok(!second.output.some((item) => item.type === 'function_call'), 'the model called the tool again');
  },
  async chat_json_schema_parsed_by_the_sdk() {
    const rule = await client.chat.completions.parse({
      model: 'gpt-4o-mini', response_format: profile,
      messages: [{ role: 'user', content: 'Give the profile of Ada Lovelace.' }],
    });
    assert.deepEqual(rule.choices[0].message.parsed,
      { name: 'Ada Lovelace', born: 1815, fields: ['mathematics', 'computing'] });
    // no rule answers this: the reply is generated from the schema, and still conforms
    const generated = await client.chat.completions.parse({ model: 'gpt-4o-mini', response_format: profile, messages });
    const p = generated.choices[0].message.parsed;
    assert.equal(typeof p.name, 'string');
    assert.ok(Number.isInteger(p.born), `born: ${p.born}`);
    assert.ok(Array.isArray(p.fields) && p.fields.every((f) => typeof f === 'string'));
    assert.deepEqual(Object.keys(p).sort(), ['born', 'fields', 'name']);
  },
  async chat_parallel_tool_calls() {
    const tools = [{ type: 'function', function: weather }];
    const ask = [{ role: 'user', content: 'What is the weather in Berlin and in Paris?' }];
    const both = await client.chat.completions.parse({ model: 'gpt-4o-mini', messages: ask, tools });
    const calls = both.choices[0].message.tool_calls;
    assert.equal(both.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(calls.map((c) => c.function.parsed_arguments.city), ['Berlin', 'Paris']);
    assert.equal(new Set(calls.map((c) => c.id)).size, 2);
    const one = await client.chat.completions.create({
      model: 'gpt-4o-mini', messages: ask, tools, parallel_tool_calls: false,
    });
    assert.equal(one.choices[0].message.tool_calls.length, 1);
    // streamed: ids and names first, argument fragments after, assembled by the SDK
    const final = await client.chat.completions.stream({ model: 'gpt-4o-mini', messages: ask, tools })
      .finalChatCompletion();
    const streamed = final.choices[0].message.tool_calls;
    assert.deepEqual(streamed.map((c) => JSON.parse(c.function.arguments)),
      calls.map((c) => JSON.parse(c.function.arguments)));
    assert.deepEqual(streamed.map((c) => c.id), calls.map((c) => c.id));
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
