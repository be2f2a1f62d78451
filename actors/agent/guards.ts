/**
 * Several run guards as one (the node's guardrails, then a blueprint's policy): each stage goes through every guard in
 * order — the input and what the model sees chained, the reply's stream through each guard's hold-back in turn, tool
 * results chained — and tool-call arguments in reverse order (the guard that pseudonymised last restores first). The
 * first refusal wins; reviews are merged.
 */
import type { ChatMessage, ToolCall } from '../llm/types.js';
import type { GuardStep, ReplyGuard, RunGuard } from './definition.js';

const merged = (a: readonly string[] | undefined, b: readonly string[] | undefined): string[] => [...new Set([...(a ?? []), ...(b ?? [])])];

/** One step of every guard in turn: the first refusal wins, `go` of one is the input of the next, reviews merged. */
async function chained<T>(steps: readonly ((value: T) => Promise<GuardStep<T>>)[], value: T): Promise<GuardStep<T>> {
  let go = value;
  let types: string[] | undefined;
  for (const step of steps) {
    const s = await step(go);
    if ('refuse' in s) return s;
    go = s.go;
    if (s.review !== undefined) types = merged(types, s.review.types);
  }
  return types === undefined ? { go } : { go, review: { types } };
}

/** Reply guards in a chain: what one releases goes into the next; the chain releases what the last one does. */
class ChainedReply implements ReplyGuard {
  constructor(
    private readonly guards: readonly RunGuard[],
    private readonly replies: readonly ReplyGuard[],
  ) {}

  get text(): string {
    return (this.replies[this.replies.length - 1] as ReplyGuard).text;
  }

  push(token: string): Promise<string> {
    return this.through(0, token);
  }

  /** `text` pushed into the reply guards from `i` on. */
  private async through(i: number, text: string): Promise<string> {
    let out = text;
    for (const r of this.replies.slice(i)) if (out !== '') out = await r.push(out);
    return out;
  }

  /** Each guard ends in turn, its rest pushed through the ones after it; held parts go through the ones after too. */
  async end(): Promise<Awaited<ReturnType<ReplyGuard['end']>>> {
    let text = '';
    let held: { types: string[]; held: string } | undefined;
    for (let i = 0; i < this.replies.length; i++) {
      const e = await (this.replies[i] as ReplyGuard).end();
      text += await this.through(i + 1, e.text);
      if (e.review === undefined) continue;
      // What guard i holds comes before what an earlier guard held (guard i only saw what that one released).
      const part = await this.heldThrough(i + 1, e.review.held);
      held = { types: merged(merged(e.review.types, part.types), held?.types), held: part.held + (held?.held ?? '') };
    }
    return held === undefined ? { text } : { text, review: held };
  }

  /**
   * A held part checked by the guards from `i` on, each with a reply guard of its own (the stream ones only see what
   * was released): released as a reviewer approves it, so it must already be as the later guards leave it.
   */
  private async heldThrough(i: number, text: string): Promise<{ types: string[]; held: string }> {
    let held = text;
    let types: string[] = [];
    for (const g of this.guards.slice(i)) {
      if (held === '') break;
      const r = g.reply();
      const pushed = await r.push(held);
      const e = await r.end();
      held = pushed + e.text + (e.review?.held ?? '');
      types = merged(types, e.review?.types);
    }
    return { types, held };
  }
}

/** `guards` as one run guard, each stage through every guard in order (tool-call arguments in reverse order). */
export function composeRunGuards(guards: readonly RunGuard[]): RunGuard {
  if (guards.length === 1) return guards[0] as RunGuard;
  const reversed = [...guards].reverse();
  return {
    input: (messages) =>
      chained<readonly ChatMessage[]>(
        guards.map((g) => (m) => g.input(m)),
        messages,
      ),
    async model(messages) {
      let shown = messages;
      for (const g of guards) shown = await g.model(shown);
      return shown;
    },
    reply: () =>
      new ChainedReply(
        guards,
        guards.map((g) => g.reply()),
      ),
    toolCall: (call: ToolCall, options?: { audit?: boolean }) =>
      chained<Record<string, unknown>>(
        reversed.map((g) => (args) => g.toolCall({ ...call, arguments: args }, options)),
        call.arguments,
      ),
    async toolResult(call, content) {
      let out = content;
      let quarantined: string[] | undefined;
      for (const g of guards) {
        const r = await g.toolResult(call, out);
        out = r.content;
        if (r.quarantined !== undefined) quarantined = merged(quarantined, r.quarantined);
      }
      return quarantined === undefined ? { content: out } : { content: out, quarantined };
    },
    close() {
      for (const g of guards) g.close();
    },
  };
}
