/**
 * One case of the agents suite in a process of its own (bench/agents-cases.ts says why): opens the case named by its
 * argument, then answers the suite's requests over IPC — `{ count }`: that many runs timed one after another, answered
 * with their latency; `{ close: true }`: end.
 */
import { openCase, type CaseName, CASE_NAMES } from './agents-cases.js';
import { latency } from './harness.js';
import { ScriptedProvider } from './peers/scripted.js';

const name = process.argv[2] as CaseName;
if (!CASE_NAMES.includes(name) || process.send === undefined) throw new Error(`agents-case-host: no case ${String(name)}, or no IPC`);
const send = process.send.bind(process);
const c = await openCase(name, new ScriptedProvider());
process.on('message', (m: { count?: number; close?: boolean }) => {
  if (m.close === true) {
    void c.close().finally(() => process.exit(0));
    return;
  }
  latency({ count: m.count ?? 0, warmup: 0, op: c.op }).then(
    (l) => send({ latency: l }),
    (e: unknown) => send({ error: (e as Error).stack ?? String(e) }),
  );
});
send({ ready: true });
