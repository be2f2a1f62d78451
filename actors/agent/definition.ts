/** What an agent is: instructions, a model, tools, and the agents it may ask or hand off to. */
import type { ModelProvider } from '../llm/types.js';

/** Per-1k-token prices for cost accounting. */
export interface Prices {
  readonly promptPer1k: number;
  readonly completionPer1k: number;
}

/** An agent, as defined in config or code. */
export interface AgentDefinition {
  readonly name: string;
  readonly instructions: string;
  readonly provider: ModelProvider;
  readonly model: string;
  readonly temperature?: number;
  /** Tool names; each is the pool actor `tool/<name>`. */
  readonly tools?: readonly string[];
  /** Agents this one may ask (delegate to) — each appears to the model as a tool `ask_<agent>`. */
  readonly delegates?: readonly string[];
  /** Agents this one may hand the conversation to — tools `transfer_to_<agent>`. */
  readonly handoffs?: readonly string[];
  /** Tools whose calls need a human's approval first. */
  readonly approvals?: readonly string[];
  /** Model calls per run before it fails (default 8). */
  readonly maxTurns?: number;
  /** Prompt + completion tokens per run before it fails. */
  readonly tokenBudget?: number;
  /** Delegation depth limit (default 3): stops cycles and runaway fan-out. */
  readonly maxDepth?: number;
  readonly prices?: Prices;
  /** Threads whose history this agent keeps in memory; the least recently used go first (default 10,000). */
  readonly maxThreads?: number;
  /** Longest a tool call or delegation may take (default 30 s). */
  readonly toolTimeoutMs?: number;
}
