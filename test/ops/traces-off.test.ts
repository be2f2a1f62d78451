/**
 * Tracing is off by default and free when off (issue 17, ADR 0028): a real `troupe start` that runs the demo
 * conversations (model calls, tool calls, a handoff) with tracing not asked for loads no OpenTelemetry module and
 * sends no span — while the same command with `OTEL_TRACES_EXPORTER=otlp` loads the SDK and the exporter and delivers
 * the spans of those runs (flushed when the process stops).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracesExporters } from '../../runtime/index.js';
import { cleanEnv, ROOT } from '../gateway/cli-fixture.js';
import { OtlpReceiver } from './otlp-receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-traces-off-'));
let receiver: OtlpReceiver;
/** OpenTelemetry's SDK side: what tracing loads only when on. */
const SDK = /@opentelemetry\/(sdk-|exporter-|otlp-|resources)/;

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
});

afterAll(async () => {
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `troupe start --demo-seconds 2` to its end; the OpenTelemetry modules it resolved, and what it printed. */
async function demo(name: string, env: Record<string, string>): Promise<{ modules: string[]; out: string; code: number | null }> {
  const log = join(dir, `${name}.imports`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', './test/ops/fixtures/record-imports.mjs', 'cli/main.ts', 'start', '--quiet', '--demo-seconds', '2'],
    {
      cwd: ROOT,
      env: {
        ...cleanEnv({ TROUPE_PORT: '0', TROUPE_DATA_DIR: join(dir, name), TROUPE_LOG_LEVEL: 'warn' }),
        TROUPE_IMPORT_LOG: log,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const modules = existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];
  return { modules, out, code };
}

describe('tracing off by default', () => {
  it('reads the standard variables: nothing unless an exporter or an OTLP endpoint is named', () => {
    expect(tracesExporters({})).toEqual([]);
    expect(tracesExporters({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toEqual(['otlp']);
    expect(tracesExporters({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toEqual(['otlp']);
    expect(tracesExporters({ OTEL_TRACES_EXPORTER: 'otlp,console' })).toEqual(['otlp', 'console']);
    expect(tracesExporters({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' })).toEqual([]);
    expect(tracesExporters({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toEqual([]);
    expect(tracesExporters({ OTEL_TRACES_EXPORTER: 'zipkin' })).toEqual([]);
  });

  it('a node with tracing off loads no OpenTelemetry SDK or exporter module and sends no span; on, it delivers its spans', async () => {
    const off = await demo('off', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_EXPORTER: 'none' });
    expect(off.code, off.out).toBe(0);
    expect(off.out).toContain('[agent] assistant');
    expect(off.out).not.toContain('tracing on');
    // The API package is loaded anyway by provider SDKs (@anthropic-ai/sdk); the SDK, exporter and resources are ours alone.
    expect(off.modules.filter((m) => SDK.test(m))).toEqual([]);
    expect(receiver.spans).toEqual([]); // the process has ended: whatever it would have sent has arrived

    const on = await demo('on', {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    });
    expect(on.code, on.out).toBe(0);
    expect(on.out).toContain('tracing on');
    for (const pkg of ['sdk-trace-base', 'exporter-trace-otlp-http', 'resources'])
      expect(on.modules.join('\n')).toContain(`@opentelemetry/${pkg}`);
    // The batch delay is a minute: the spans arrived because stopping the node flushed them.
    expect(receiver.spans.some((s) => s.name === 'invoke_agent assistant')).toBe(true);
    expect(receiver.spans.some((s) => s.name === 'execute_tool calculator' || s.name.startsWith('execute_tool '))).toBe(true);
  }, 180_000);
});
