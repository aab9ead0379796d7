// One model through the official OpenAI client (npm openai 6.x), as an application team would call it: the model
// list, a chat completion and a streamed one with usage. Used by the `kthena up` end-to-end test and printed by
// `make run` as the snippet to paste.
//   node tests/js/openai_check.mjs BASE_URL MODEL      (BASE_URL: http://127.0.0.1:8080/v1)
import OpenAI from 'openai';

const [baseURL, model] = process.argv.slice(2);
if (!baseURL || !model) {
  console.error('usage: openai_check.mjs BASE_URL MODEL');
  process.exit(2);
}
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 30000 });

const chat = await client.chat.completions.create({
  model, messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 16,
});
if (!chat.choices?.[0]?.message?.content) throw new Error(`no content: ${JSON.stringify(chat)}`);
if (!(chat.usage?.completion_tokens > 0)) throw new Error(`no usage: ${JSON.stringify(chat)}`);

const stream = await client.chat.completions.create({
  model, messages: [{ role: 'user', content: 'Count to five.' }], max_tokens: 16, stream: true,
  stream_options: { include_usage: true },
});
let text = '';
let usage;
for await (const chunk of stream) {
  text += chunk.choices?.[0]?.delta?.content ?? '';
  usage = chunk.usage ?? usage;
}
if (!text) throw new Error('the stream carried no content');
if (!(usage?.completion_tokens > 0)) throw new Error('the stream ended without usage');
console.log(`openai client: ${model} answered "${chat.choices[0].message.content.slice(0, 40)}" and streamed ` +
  `${usage.completion_tokens} tokens`);
