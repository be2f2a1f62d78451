/** The clock tool: ISO and epoch time, local time in an IANA zone validated through Intl. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TOOL_CALL,
  TOOL_DESCRIBE,
  builtinTools,
  clockTool,
  isTimeZone,
  makeClockTool,
  readClock,
  spawnTool,
  type ToolCallResult,
} from '../../actors/tool/index.js';
import type { ActorSystem } from '../../runtime/index.js';
import { createSystem } from '../../supervisors/index.js';

const T = 1_700_000_000_123; // 2023-11-14T22:13:20.123Z

describe('readClock', () => {
  it.each([
    ['UTC', '2023-11-14T22:13:20.123Z'],
    ['Asia/Kolkata', '2023-11-15T03:43:20.123+05:30'],
    ['America/New_York', '2023-11-14T17:13:20.123-05:00'],
    ['Europe/Paris', '2023-11-14T23:13:20.123+01:00'],
  ])('%s', (tz, local) => {
    expect(readClock(T, tz)).toEqual({ iso: '2023-11-14T22:13:20.123Z', epochMs: T, timezone: tz, local });
  });

  it('knows IANA zones and nothing else', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});

describe('clock tool', () => {
  let system: ActorSystem;
  beforeAll(async () => {
    system = await createSystem();
    await spawnTool(
      system,
      makeClockTool(() => T),
    );
    await spawnTool(system, { ...clockTool, name: 'real-clock' });
  });
  afterAll(() => system.shutdown());
  const call = (to: string, args: Record<string, unknown>): Promise<ToolCallResult> =>
    system.ref(to).ask<ToolCallResult>(TOOL_CALL, { name: 'clock', arguments: args });

  it('answers UTC by default and local time in a given zone', async () => {
    expect((await call('tool/clock', {})).structuredContent).toEqual({
      iso: '2023-11-14T22:13:20.123Z',
      epochMs: T,
      timezone: 'UTC',
      local: '2023-11-14T22:13:20.123Z',
    });
    const r = await call('tool/clock', { timezone: 'Asia/Tokyo' });
    expect(r.structuredContent).toMatchObject({ timezone: 'Asia/Tokyo', local: '2023-11-15T07:13:20.123+09:00' });
    expect(r.content).toEqual([{ type: 'text', text: JSON.stringify(r.structuredContent) }]);
  });

  it('rejects an unknown time zone with an error result naming the field', async () => {
    const r = await call('tool/clock', { timezone: 'Mars/Olympus_Mons' });
    expect(r.isError).toBe(true);
    expect(r.content[0]).toMatchObject({
      text: expect.stringMatching(/^invalid arguments for clock: timezone: not a known IANA time zone/) as unknown,
    });
  });

  it('reads the real time', async () => {
    const before = Date.now();
    const r = await call('tool/real-clock', {});
    const epochMs = r.structuredContent?.['epochMs'] as number;
    expect(epochMs).toBeGreaterThanOrEqual(before);
    expect(epochMs).toBeLessThanOrEqual(Date.now());
    expect(r.structuredContent?.['iso']).toBe(new Date(epochMs).toISOString());
  });

  it('describes itself', async () => {
    expect(await system.ref('tool/clock').ask(TOOL_DESCRIBE)).toMatchObject({
      name: 'clock',
      parameters: { type: 'object', properties: { timezone: { type: 'string' } } },
    });
    expect(builtinTools.map((t) => t.name)).toEqual(['clock', 'calculator']);
  });
});
