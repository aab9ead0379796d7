// The engine simulator as the official OpenAI client sees it: response and stream shapes, usage, errors, models.
// Starts `kthena engine-sim` (KTHENA_BINARY) on a free port and stops it at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import OpenAI from 'openai';

const binary = process.env.KTHENA_BINARY ?? new URL('../../build/bin/kthena', import.meta.url).pathname;
let sim;
let client;

before(async () => {
  sim = spawn(binary, ['engine-sim', 'python3', '-m', 'vllm.entrypoints.openai.api_server', '--model', '/models/m',
    '--served-model-name', 'm', '--host', '127.0.0.1', '--port', '0', '--profile', 'tiny', '--time-scale', '0.05',
    '--max-model-len', '512'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    sim.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening [\d.]+:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    sim.on('exit', (code) => reject(new Error(`engine-sim exited with ${code}`)));
  });
  client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(() => sim?.kill('SIGTERM'));

test('chat completion', async () => {
  const r = await client.chat.completions.create({
    model: 'm', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 8, ignore_eos: true,
  });
  assert.match(r.id, /^chatcmpl-[0-9a-f]{16}$/);
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'm');
  assert.equal(r.choices.length, 1);
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, 8);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + 8);
});

test('chat stream with include_usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'm', messages: [{ role: 'user', content: 'Stream it' }], max_tokens: 6, ignore_eos: true, stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let role;
  let finish;
  let usage;
  let ids = new Set();
  for await (const chunk of stream) {
    ids.add(chunk.id);
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      if (c.delta.role) role = c.delta.role;
      if (c.delta.content) text += c.delta.content;
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  assert.equal(ids.size, 1);
  assert.equal(role, 'assistant');
  assert.equal(finish, 'length');
  assert.ok(text.length > 0);
  assert.deepEqual(Object.keys(usage).sort(), ['completion_tokens', 'prompt_tokens', 'total_tokens']);
  assert.equal(usage.completion_tokens, 6);
});

test('completions, non-streaming and streaming', async () => {
  const r = await client.completions.create({ model: 'm', prompt: 'Once upon a time', max_tokens: 5, seed: 3 });
  assert.match(r.id, /^cmpl-/);
  assert.equal(r.object, 'text_completion');
  assert.ok(['length', 'stop'].includes(r.choices[0].finish_reason));
  const again = await client.completions.create({ model: 'm', prompt: 'Once upon a time', max_tokens: 5, seed: 3 });
  assert.equal(again.choices[0].text, r.choices[0].text);
  const stream = await client.completions.create({ model: 'm', prompt: 'x', max_tokens: 4, stream: true,
    ignore_eos: true });
  let pieces = 0;
  for await (const chunk of stream) pieces += chunk.choices.length;
  assert.ok(pieces >= 2);
});

test('stop strings end the answer', async () => {
  const r = await client.completions.create({ model: 'm', prompt: 'go', max_tokens: 200, ignore_eos: true,
    stop: [' the'], seed: 1 });
  assert.ok(!r.choices[0].text.includes(' the'));
  if (r.choices[0].finish_reason === 'stop') assert.equal(r.choices[0].stop_reason, ' the');
});

test('models list', async () => {
  const models = [];
  for await (const m of client.models.list()) models.push(m);
  assert.equal(models.length, 1);
  assert.equal(models[0].id, 'm');
  assert.equal(models[0].owned_by, 'vllm');
  assert.equal(models[0].max_model_len, 512);
});

test('errors map to the client exceptions', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404 && /does not exist/.test(e.message));
  await assert.rejects(
    client.completions.create({ model: 'm', prompt: 'word '.repeat(600), max_tokens: 1 }),
    (e) => e instanceof OpenAI.BadRequestError && /maximum context length is 512 tokens/.test(e.message));
});
