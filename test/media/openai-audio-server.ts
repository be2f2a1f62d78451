/**
 * A local server speaking OpenAI's audio wire format, beside test/llm/fake-servers.ts (which parses JSON
 * bodies only): `POST /v1/audio/transcriptions` (multipart: `file`, `model`, `response_format`) answers
 * `{ text }` — the text is what the test registered for the uploaded bytes' SHA-256, so a wrong upload
 * cannot pass; `POST /v1/audio/speech` (JSON: model, voice, input, response_format) answers a WAV of a
 * tone whose length follows the input. Errors use OpenAI's `{ error: { message, type } }` shape.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WaveFile } from 'wavefile';

export interface AudioRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly fields: Record<string, string>;
  readonly file?: { readonly name: string; readonly type: string; readonly bytes: Buffer };
}

export interface AudioServer {
  readonly url: string;
  readonly requests: AudioRequest[];
  /** What the transcription of these bytes says. */
  transcript(bytes: Uint8Array, text: string): void;
  close(): Promise<void>;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A 16 kHz mono 16-bit WAV of a 440 Hz tone lasting `ms`. */
export function toneWav(ms: number, rate = 16_000): Uint8Array {
  const n = Math.round((rate * ms) / 1000);
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++) samples[i] = Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8000);
  const wav = new WaveFile();
  wav.fromScratch(1, rate, '16', samples);
  return wav.toBuffer();
}

function error(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', code: null } }));
}

export async function startAudioServer(): Promise<AudioServer> {
  const transcripts = new Map<string, string>();
  const requests: AudioRequest[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? '').split('?')[0] ?? '';
    const authorization = req.headers.authorization;
    if (authorization !== 'Bearer sk-audio') return error(res, 401, 'Incorrect API key provided');
    if (req.method === 'POST' && path === '/v1/audio/transcriptions') {
      const form = await new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body,
      }).formData();
      const fields: Record<string, string> = {};
      let file: AudioRequest['file'];
      for (const [k, v] of form.entries()) {
        if (typeof v === 'string') fields[k] = v;
        else if (k === 'file') file = { name: v.name, type: v.type, bytes: Buffer.from(await v.arrayBuffer()) };
      }
      requests.push({ path, authorization, fields, ...(file === undefined ? {} : { file }) });
      if (file === undefined || fields['model'] === undefined) return error(res, 400, 'file and model are required');
      const text = transcripts.get(sha(file.bytes));
      if (text === undefined) return error(res, 400, 'Audio file might be corrupted or unsupported');
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ text }));
    }
    if (req.method === 'POST' && path === '/v1/audio/speech') {
      const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      const fields = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, String(v)]));
      requests.push({ path, authorization, fields });
      if (typeof json['input'] !== 'string' || typeof json['model'] !== 'string' || typeof json['voice'] !== 'string')
        return error(res, 400, 'model, voice and input are required');
      if (json['response_format'] !== 'wav') return error(res, 400, 'this server answers wav only');
      const wav = Buffer.from(toneWav(60 * json['input'].length));
      // OpenAI streams WAV with unknown sizes in the header (0xFFFFFFFF): do the same.
      wav.writeUInt32LE(0xffffffff, 4);
      wav.writeUInt32LE(0xffffffff, 40);
      res.writeHead(200, { 'content-type': 'audio/wav', 'transfer-encoding': 'chunked' });
      res.write(wav.subarray(0, 100));
      return void res.end(wav.subarray(100));
    }
    error(res, 404, `no route ${path}`);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => error(res, 500, (e as Error).message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    transcript: (bytes, text) => void transcripts.set(sha(bytes), text),
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
