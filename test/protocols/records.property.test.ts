/**
 * The wire records (protocols/chat.ts, tools.ts, records.ts, run-events.ts): every value their
 * schemas accept survives the codec unchanged and is still accepted after it; hostile values —
 * a field of the wrong type, a missing field, a non-finite or negative count, an unknown status,
 * a prototype key, an unpaired surrogate, data of another event kind — are rejected by the schema
 * or the codec. The old hand-written interfaces stay assignable both ways (checked by tsc below).
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import type { z } from 'zod';
import {
  DecodeError,
  EncodeError,
  RUN_EVENT_KINDS,
  RUN_STATUSES,
  THREAD_STATUSES,
  chatMessageSchema,
  codec,
  pendingCallsSchema,
  pendingInterruptSchema,
  runCheckpointSchema,
  runEventDataSchemas,
  runRecordSchema,
  threadCheckpointSchema,
  threadRecordSchema,
  toolCallRequestSchema,
  toolCallResultSchema,
  toolCallSchema,
  toolProgressSchema,
  toolSpecSchema,
  typedRunEventSchema,
  usageSchema,
  type ChatMessage,
  type PendingCalls,
  type RunCheckpoint,
  type RunEventKind,
  type RunRecord,
  type RunStatus,
  type ThreadCheckpoint,
  type ThreadRecord,
  type ToolCall,
  type ToolCallResult,
} from '../../protocols/index.js';
import { keyArb, stringArb, wireEqual, wireValueArb } from './arbitraries.js';

const roundTrip = (v: unknown): unknown => codec.decodeValue(codec.encodeValue(v));

// ---- arbitraries of valid records ----------------------------------------------------------

const idArb = fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_:-]{0,40}$/));
const isoArb = fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
const countArb = fc.nat({ max: 1_000_000 });
const metadataArb = fc.dictionary(keyArb, wireValueArb(2), { maxKeys: 4 });
const argsArb = fc.dictionary(keyArb, wireValueArb(2), { maxKeys: 3 });
const tokensArb = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e9, noNaN: true }));

const toolCallArb = fc.record({ id: idArb, name: stringArb, arguments: argsArb });
const chatMessageArb = fc.record(
  {
    role: fc.constantFrom('system', 'user', 'assistant', 'tool'),
    content: stringArb,
    toolCalls: fc.array(toolCallArb, { maxLength: 3 }),
    toolCallId: idArb,
    name: stringArb,
  },
  { requiredKeys: ['role', 'content'] },
);
const messagesArb = fc.array(chatMessageArb, { maxLength: 4 });
const usageArb = fc.record({ promptTokens: tokensArb, completionTokens: tokensArb });
const interruptArb = fc.record({ id: idArb, run_id: idArb, value: wireValueArb(2) });

const threadArb = fc.record(
  {
    thread_id: idArb,
    created_at: isoArb,
    updated_at: isoArb,
    metadata: metadataArb,
    status: fc.constantFrom(...THREAD_STATUSES),
    values: fc.record({ messages: messagesArb }),
    interrupts: fc.array(interruptArb, { maxLength: 2 }),
    checkpoints: countArb,
    checkpoint_id: idArb,
    run_id: idArb,
  },
  { requiredKeys: ['thread_id', 'created_at', 'updated_at', 'metadata', 'status', 'values', 'interrupts', 'checkpoints'] },
);
const checkpointArb = fc.record(
  {
    checkpoint_id: idArb,
    parent_checkpoint_id: idArb,
    thread_id: idArb,
    run_id: idArb,
    step: countArb,
    created_at: isoArb,
    messages: messagesArb,
    next: fc.array(stringArb, { maxLength: 2 }),
    interrupts: fc.array(interruptArb, { maxLength: 2 }),
    metadata: metadataArb,
  },
  { requiredKeys: ['checkpoint_id', 'thread_id', 'run_id', 'step', 'created_at', 'messages', 'next', 'interrupts', 'metadata'] },
);
const runUsageArb = fc.record({
  prompt_tokens: tokensArb,
  completion_tokens: tokensArb,
  cost: fc.double({ noNaN: true, noDefaultInfinity: true }),
});
const runArb = fc.record(
  {
    run_id: idArb,
    thread_id: idArb,
    assistant_id: stringArb,
    agent: stringArb,
    status: fc.constantFrom(...RUN_STATUSES),
    created_at: isoArb,
    updated_at: isoArb,
    metadata: metadataArb,
    multitask_strategy: fc.constant('reject' as const),
    output: stringArb,
    error: stringArb,
    usage: runUsageArb,
    last_seq: countArb,
  },
  {
    requiredKeys: [
      'run_id',
      'thread_id',
      'assistant_id',
      'agent',
      'status',
      'created_at',
      'updated_at',
      'metadata',
      'multitask_strategy',
      'last_seq',
    ],
  },
);
const pendingArb = fc.record(
  {
    calls: fc.array(toolCallArb, { maxLength: 3 }),
    results: fc.dictionary(keyArb, fc.record({ content: stringArb, isError: fc.boolean() }), { maxKeys: 3 }),
    awaiting: idArb,
  },
  { requiredKeys: ['calls', 'results'] },
);
const runCheckpointArb = fc.record(
  {
    run_id: idArb,
    thread_id: idArb,
    agent: stringArb,
    depth: fc.nat({ max: 16 }),
    messages: messagesArb,
    turns: countArb,
    usage: usageArb,
    pending: pendingArb,
    resumes: fc.nat({ max: 100 }),
  },
  { requiredKeys: ['run_id', 'thread_id', 'agent', 'depth', 'messages', 'turns', 'usage', 'resumes'] },
);
const toolContentArb = fc.oneof(
  fc.record({ type: fc.constant('text'), text: stringArb }),
  fc.record({ type: fc.constantFrom('image', 'resource', 'audio'), data: stringArb, mimeType: stringArb }),
);
const toolResultArb = fc.record(
  { content: fc.array(toolContentArb, { maxLength: 3 }), structuredContent: metadataArb, isError: fc.boolean() },
  { requiredKeys: ['content'] },
);

/** Valid `data` per run event kind, shaped as actors/agent/run.ts and host.ts emit it. */
const eventDataArb: { [K in RunEventKind]: fc.Arbitrary<unknown> } = {
  token: fc.record({ text: stringArb }),
  message: fc.record({ role: fc.constant('assistant'), content: stringArb, tool_calls: fc.array(toolCallArb, { maxLength: 2 }) }),
  tool_call: toolCallArb,
  tool_result: fc.record({ id: idArb, name: stringArb, is_error: fc.boolean(), content: stringArb }),
  handoff: fc.record({ from: stringArb, to: stringArb }),
  interrupt: fc.oneof(fc.record({ kind: fc.constant('approval'), tool_call: toolCallArb }), wireValueArb(2)),
  status: fc.record(
    {
      status: fc.constantFrom(...RUN_STATUSES),
      resumed: fc.nat({ max: 10 }),
      interrupt: wireValueArb(2),
      output: stringArb,
      error: stringArb,
      usage: runUsageArb,
    },
    { requiredKeys: ['status'] },
  ),
  rewind: fc.record({ from_seq: fc.integer({ min: 1, max: 1_000_000 }) }),
  audio: fc.stringMatching(/^[0-9a-f]{64}$/).chain((sha) =>
    fc.record({
      index: fc.nat({ max: 100 }),
      final: fc.boolean(),
      blob: fc.constant(sha),
      mime: fc.constant('audio/wav'),
      size: fc.nat(),
      sha256: fc.constant(sha),
    }),
  ),
};
const runEventArb = fc.constantFrom(...RUN_EVENT_KINDS).chain((event) =>
  fc.record({
    run_id: idArb,
    thread_id: idArb,
    seq: fc.integer({ min: 1, max: 2 ** 40 }),
    event: fc.constant(event),
    agent: stringArb,
    data: eventDataArb[event],
  }),
);

// ---- the table ---------------------------------------------------------------------------

interface Case {
  readonly name: string;
  readonly schema: z.ZodType;
  readonly arb: fc.Arbitrary<unknown>;
}
const CASES: Case[] = [
  { name: 'tool call', schema: toolCallSchema, arb: toolCallArb },
  { name: 'chat message', schema: chatMessageSchema, arb: chatMessageArb },
  { name: 'usage', schema: usageSchema, arb: usageArb },
  { name: 'tool spec', schema: toolSpecSchema, arb: fc.record({ name: stringArb, description: stringArb, parameters: argsArb }) },
  {
    name: 'tool call request',
    schema: toolCallRequestSchema,
    arb: fc.record({ name: stringArb, arguments: argsArb, runId: idArb, callId: idArb }, { requiredKeys: ['name', 'arguments'] }),
  },
  { name: 'tool call result', schema: toolCallResultSchema, arb: toolResultArb },
  {
    name: 'tool progress',
    schema: toolProgressSchema,
    arb: fc.record({ progress: fc.nat(), total: fc.nat(), message: stringArb }, { requiredKeys: ['progress'] }),
  },
  { name: 'pending interrupt', schema: pendingInterruptSchema, arb: interruptArb },
  { name: 'thread record', schema: threadRecordSchema, arb: threadArb },
  { name: 'thread checkpoint', schema: threadCheckpointSchema, arb: checkpointArb },
  { name: 'run record', schema: runRecordSchema, arb: runArb },
  { name: 'pending calls', schema: pendingCallsSchema, arb: pendingArb },
  { name: 'run checkpoint', schema: runCheckpointSchema, arb: runCheckpointArb },
  { name: 'run event (typed)', schema: typedRunEventSchema, arb: runEventArb },
];

/** Values that are of no field's type here (every field is a string, number, boolean, enum, array or object). */
const foreignArb = fc.constantFrom<unknown>(null, 5n, new Date(0), new Uint8Array([1]), [[]], true, 'text', 7, {});
/** Values that are not a valid count. */
const badCountArb = fc.constantFrom<unknown>(-1, 1.5, NaN, Infinity, -Infinity, '3', null, 2n);

function requiredKeys(schema: z.ZodType, value: Record<string, unknown>): string[] {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (shape === undefined) return [];
  return Object.keys(shape).filter((k) => k in value && !(shape[k] as z.ZodType).safeParse(undefined).success);
}

describe('wire records: accepted values survive the codec', () => {
  it.each(CASES)('$name: accepted, encode → decode is the identity, accepted again', ({ schema, arb }) => {
    fc.assert(
      fc.property(arb, (v) => {
        const first = schema.safeParse(v);
        expect(first.success, JSON.stringify(first.error?.issues)).toBe(true);
        const back = roundTrip(v);
        expect(wireEqual(v, back)).toBe(true);
        const again = schema.safeParse(back);
        expect(again.success).toBe(true);
        // Parsing keeps every field of a valid record (nothing is stripped or coerced).
        expect(wireEqual(v, again.data)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('the typed run event schema has one branch per event kind', () => {
    expect(Object.keys(runEventDataSchemas).sort()).toEqual([...RUN_EVENT_KINDS].sort());
    expect(typedRunEventSchema.options.map((o) => o.shape.event.value).sort()).toEqual([...RUN_EVENT_KINDS].sort());
  });
});

describe('wire records: hostile values are rejected', () => {
  it.each(CASES)('$name: a required field of a foreign type or missing is refused', ({ schema, arb }) => {
    fc.assert(
      fc.property(arb, fc.nat(), foreignArb, (v, pick, bad) => {
        const rec = v as Record<string, unknown>;
        const keys = requiredKeys(schema, rec);
        if (keys.length === 0) return;
        const key = keys[pick % keys.length] as string;
        const fieldAccepts = (schema as unknown as { shape: Record<string, z.ZodType> }).shape[key]?.safeParse(bad).success;
        if (fieldAccepts !== true) expect(schema.safeParse({ ...rec, [key]: bad }).success, `${key} = ${String(bad)}`).toBe(false);
        const { [key]: _gone, ...without } = rec;
        expect(schema.safeParse(without).success, `without ${key}`).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('counts and sequence numbers are finite non-negative integers', () => {
    fc.assert(
      fc.property(runArb, threadArb, runCheckpointArb, badCountArb, (run, thread, cp, bad) => {
        expect(runRecordSchema.safeParse({ ...run, last_seq: bad }).success).toBe(false);
        expect(threadRecordSchema.safeParse({ ...thread, checkpoints: bad }).success).toBe(false);
        expect(runCheckpointSchema.safeParse({ ...cp, depth: bad }).success).toBe(false);
      }),
    );
    for (const bad of [0, -1, 1.5, NaN, Infinity]) {
      expect(
        typedRunEventSchema.safeParse({ run_id: 'r', thread_id: 't', seq: bad, event: 'token', agent: 'a', data: { text: '' } }).success,
      ).toBe(false);
    }
  });

  it('statuses, roles and kinds outside their lists are refused', () => {
    fc.assert(
      fc.property(runArb, threadArb, chatMessageArb, stringArb, (run, thread, msg, s) => {
        if (!(RUN_STATUSES as readonly string[]).includes(s)) expect(runRecordSchema.safeParse({ ...run, status: s }).success).toBe(false);
        if (!(THREAD_STATUSES as readonly string[]).includes(s))
          expect(threadRecordSchema.safeParse({ ...thread, status: s }).success).toBe(false);
        if (!['system', 'user', 'assistant', 'tool'].includes(s))
          expect(chatMessageSchema.safeParse({ ...msg, role: s }).success).toBe(false);
      }),
    );
    expect(runRecordSchema.safeParse({ ...fc.sample(runArb, 1)[0], multitask_strategy: 'enqueue' }).success).toBe(false);
  });

  it('an event whose data belongs to another kind is refused', () => {
    const samples: Record<RunEventKind, unknown> = {
      token: { text: 'hi' },
      message: { role: 'assistant', content: 'x', tool_calls: [] },
      tool_call: { id: 'c1', name: 'search', arguments: {} },
      tool_result: { id: 'c1', name: 'search', is_error: false, content: 'ok' },
      handoff: { from: 'a', to: 'b' },
      interrupt: { kind: 'approval', tool_call: { id: 'c1', name: 'search', arguments: {} } },
      status: { status: 'running' },
      rewind: { from_seq: 3 },
      audio: { index: 0, final: false, blob: 'a'.repeat(64), mime: 'audio/wav', size: 44, sha256: 'a'.repeat(64) },
    };
    const base = { run_id: 'r', thread_id: 't', seq: 1, agent: 'a' };
    for (const kind of RUN_EVENT_KINDS) {
      expect(typedRunEventSchema.safeParse({ ...base, event: kind, data: samples[kind] }).success, kind).toBe(true);
      for (const other of RUN_EVENT_KINDS) {
        // Interrupt data is any value the run waits on, so every shape is a valid interrupt.
        if (other === kind || kind === 'interrupt') continue;
        expect(typedRunEventSchema.safeParse({ ...base, event: kind, data: samples[other] }).success, `${kind} with ${other} data`).toBe(
          false,
        );
      }
    }
    expect(typedRunEventSchema.safeParse({ ...base, event: 'telemetry', data: {} }).success).toBe(false);
  });

  it.each(CASES)('$name: a prototype key or an unpaired surrogate never crosses the codec', ({ arb }) => {
    fc.assert(
      fc.property(arb, fc.constantFrom('\ud800', 'a\udfffb', '\udc00\ud800'), (v, lone) => {
        const hostile = JSON.parse(`{"__proto__": {"polluted": true}}`) as Record<string, unknown>;
        const withProto = { ...(v as Record<string, unknown>) };
        Object.defineProperty(withProto, '__proto__', { value: hostile['__proto__'], enumerable: true });
        expect(() => codec.encodeValue(withProto)).toThrow(EncodeError);
        expect(() => codec.encodeValue({ ...(v as Record<string, unknown>), note: lone })).toThrow(EncodeError);
      }),
      { numRuns: 40 },
    );
    // Bytes written by someone else: a map with a `__proto__` key never yields a polluted object.
    const bytes = new Packr({ useRecords: false }).pack(new Map<string, unknown>([['__proto__', { polluted: true }]]));
    let decoded: unknown;
    try {
      decoded = codec.decodeValue(bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(DecodeError);
    }
    if (decoded !== undefined) {
      expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
      expect((decoded as Record<string, unknown>)['polluted']).toBeUndefined();
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

// ---- the old interfaces stay assignable both ways (tsc checks this file) --------------------

interface OldToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}
interface OldChatMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  readonly content: string;
  readonly toolCalls?: readonly OldToolCall[];
  readonly toolCallId?: string;
  readonly name?: string;
}
interface OldPendingInterrupt {
  readonly id: string;
  readonly run_id: string;
  readonly value: unknown;
}
interface OldThreadRecord {
  readonly thread_id: string;
  readonly created_at: string;
  updated_at: string;
  metadata: Record<string, unknown>;
  status: 'idle' | 'busy' | 'interrupted' | 'error';
  values: { messages: OldChatMessage[] };
  interrupts: OldPendingInterrupt[];
  checkpoints: number;
  checkpoint_id?: string;
  run_id?: string;
}
interface OldThreadCheckpoint {
  readonly checkpoint_id: string;
  readonly parent_checkpoint_id?: string;
  readonly thread_id: string;
  readonly run_id: string;
  readonly step: number;
  readonly created_at: string;
  readonly messages: OldChatMessage[];
  readonly next: string[];
  readonly interrupts: OldPendingInterrupt[];
  readonly metadata: Record<string, unknown>;
}
interface OldRunRecord {
  readonly run_id: string;
  readonly thread_id: string;
  readonly assistant_id: string;
  agent: string;
  status: RunStatus;
  readonly created_at: string;
  updated_at: string;
  metadata: Record<string, unknown>;
  readonly multitask_strategy: 'reject';
  output?: string;
  error?: string;
  usage?: { prompt_tokens: number; completion_tokens: number; cost: number };
  last_seq: number;
}
interface OldPendingCalls {
  readonly calls: readonly OldToolCall[];
  readonly results: Record<string, { content: string; isError: boolean }>;
  awaiting?: string;
}
interface OldRunCheckpoint {
  readonly run_id: string;
  readonly thread_id: string;
  readonly agent: string;
  readonly depth: number;
  readonly messages: OldChatMessage[];
  readonly turns: number;
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number };
  readonly pending?: OldPendingCalls;
  readonly resumes: number;
}
type OldToolContent = { readonly type: 'text'; readonly text: string } | { readonly type: string; readonly [k: string]: unknown };
interface OldToolCallResult {
  readonly content: readonly OldToolContent[];
  readonly structuredContent?: Record<string, unknown>;
  readonly isError?: boolean;
}

/** `true` only when `A` and `B` are assignable to each other. */
type Both<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const compatible: [
  Both<ToolCall, OldToolCall>,
  Both<ChatMessage, OldChatMessage>,
  Both<ThreadRecord, OldThreadRecord>,
  Both<ThreadCheckpoint, OldThreadCheckpoint>,
  Both<RunRecord, OldRunRecord>,
  Both<PendingCalls, OldPendingCalls>,
  Both<RunCheckpoint, OldRunCheckpoint>,
  Both<ToolCallResult, OldToolCallResult>,
] = [true, true, true, true, true, true, true, true];

describe('wire record types', () => {
  it('are assignable both ways with the interfaces they replace', () => {
    expect(compatible.every(Boolean)).toBe(true);
  });
});
