// The router as the official OpenAI client (npm openai 6.x) sees it: chat and completions, streams (with and without
// usage), errors as OpenAI error objects, and the model list. Starts a `kthena engine-sim` fleet and
// `kthena router --static` (KTHENA_BINARY) on loopback and stops them at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';

const binary = process.env.KTHENA_BINARY ?? new URL('../../build/bin/kthena', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kthena-router-js-'));
let sim;
let router;
let client;

function waitFor(child, pattern) {
  return new Promise((resolve, reject) => {
    let out = '';
    const look = (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) resolve(m);
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => reject(new Error(`${child.spawnargs[1]} exited with ${code}: ${out}`)));
  });
}

before(async () => {
  const octet = 2 + Math.floor(Math.random() * 200);
  const port = 20000 + Math.floor(Math.random() * 12000);
  sim = spawn(binary, ['engine-sim', '--model', '/models/qwen', '--served-model-name', 'Qwen/Qwen3-8B',
    '--instances', '2', '--base-address', `127.${octet}.7.1`, '--port', String(port), '--profile', 'tiny',
    '--time-scale', '0.02', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitFor(sim, /listening[^\n]*\n[^\n]*listening/);
  const file = join(dir, 'static.yaml');
  writeFileSync(file, `
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: qwen}
spec:
  modelName: qwen
  rules: [{targetModels: [{modelServerName: qwen}]}]
---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelServer
metadata: {name: qwen}
spec:
  model: Qwen/Qwen3-8B
  inferenceEngine: vLLM
  workloadSelector: {matchLabels: {app: qwen}}
  workloadPort: {port: ${port}}
---
{apiVersion: v1, kind: Pod, metadata: {name: qwen-0, labels: {app: qwen}}, status: {podIP: 127.${octet}.7.1}}
---
{apiVersion: v1, kind: Pod, metadata: {name: qwen-1, labels: {app: qwen}}, status: {podIP: 127.${octet}.7.2}}
`);
  router = spawn(binary, ['router', '--static', file, '--listen', '127.0.0.1:0', '--metrics-listen', '',
    '--debug-listen', ''], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ACCESS_LOG_ENABLED: 'false' } });
  const m = await waitFor(router, /inference listener on port (\d+)/);
  client = new OpenAI({ baseURL: `http://127.0.0.1:${m[1]}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(() => {
  router?.kill('SIGTERM');
  sim?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

test('chat completion through the router', async () => {
  const r = await client.chat.completions.create({
    model: 'qwen', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 8, ignore_eos: true,
  });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'Qwen/Qwen3-8B', 'the ModelServer rewrote the model');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(r.usage.completion_tokens, 8);
});

test('chat stream without include_usage has no usage chunk', async () => {
  const stream = await client.chat.completions.create({
    model: 'qwen', messages: [{ role: 'user', content: 'Stream it' }], max_tokens: 6, ignore_eos: true, stream: true,
  });
  let text = '';
  let finish;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    assert.equal(chunk.usage, undefined, 'the usage the router asked for is hidden');
    assert.ok(chunk.choices.length > 0, 'no usage-only chunk reaches the client');
    for (const c of chunk.choices) {
      text += c.delta.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  assert.ok(text.length > 0);
  assert.equal(finish, 'length');
});

test('chat stream with include_usage keeps it', async () => {
  const stream = await client.chat.completions.create({
    model: 'qwen', messages: [{ role: 'user', content: 'Stream it' }], max_tokens: 5, ignore_eos: true, stream: true,
    stream_options: { include_usage: true },
  });
  let usage;
  for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
  assert.equal(usage?.completion_tokens, 5);
});

test('completions, streamed', async () => {
  const stream = await client.completions.create({
    model: 'qwen', prompt: 'Once upon a time', max_tokens: 4, ignore_eos: true, stream: true,
  });
  let chunks = 0;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'text_completion');
    chunks += 1;
  }
  assert.ok(chunks >= 4);
});

test('router errors are OpenAI errors', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404 && e.message.includes('route not found') &&
      e.code === 'route_not_found',
  );
});

test('model list', async () => {
  const models = [];
  for await (const m of client.models.list()) models.push(m.id);
  assert.deepEqual(models, ['qwen']);
});
