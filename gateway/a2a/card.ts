/**
 * The A2A agent card (v1.0): the mesh as one A2A agent whose skills are its agents and workflows (skill id =
 * agent or workflow name), reached over JSON-RPC at `/a2a` on the host the card was asked from.
 */
import type { IncomingMessage } from 'node:http';
import type { AgentInfo } from '../types.js';
import type { AgentCard, AgentSkill } from './types.js';

/** Options of the card. */
export interface AgentCardOptions {
  /** Name of the mesh as an agent (default `Troupe`). */
  readonly name?: string;
  readonly description?: string;
  readonly version?: string;
  /** Path of the JSON-RPC endpoint (default `/a2a`). */
  readonly rpcPath?: string;
  /** Whether callers must send a bearer token (default true: the card declares the scheme). */
  readonly auth?: boolean;
  /** Trust `X-Forwarded-Proto`/`X-Forwarded-Host` (behind a proxy you run); default false. */
  readonly trustProxy?: boolean;
  /** The workflows' descriptions and input fields (config `workflows`), for their skills; a workflow not here gets a plain one. */
  readonly workflows?: readonly WorkflowSkillInfo[];
}

/** What a workflow's skill says about it: config's definition has these fields. */
export interface WorkflowSkillInfo {
  readonly name: string;
  readonly description?: string;
  /** Input field → type (`string`, `number?`, …). */
  readonly input?: Readonly<Record<string, string>>;
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** `scheme://host[:port]` of the request (the Host header when well-formed, else the local address). */
export function baseUrlOf(req: IncomingMessage, trustProxy = false): string {
  const fwdProto = trustProxy
    ? String(req.headers['x-forwarded-proto'] ?? '')
        .split(',')[0]
        ?.trim()
    : undefined;
  const fwdHost = trustProxy
    ? String(req.headers['x-forwarded-host'] ?? '')
        .split(',')[0]
        ?.trim()
    : undefined;
  const proto =
    fwdProto === 'http' || fwdProto === 'https' ? fwdProto : 'encrypted' in req.socket && req.socket.encrypted === true ? 'https' : 'http';
  const header = fwdHost !== undefined && fwdHost !== '' ? fwdHost : req.headers.host;
  if (header !== undefined && HOST.test(header)) return `${proto}://${header}`;
  const local = req.socket.localAddress ?? '127.0.0.1';
  const host = local.includes(':') ? `[${local}]` : local;
  return `${proto}://${host}:${req.socket.localPort ?? 80}`;
}

/** A skill per agent. */
export function skillOf(a: AgentInfo): AgentSkill {
  const tags = [
    'agent',
    ...a.tools.map((t) => `tool:${t}`),
    ...a.handoffs.map((h) => `handoff:${h}`),
    ...a.delegates.map((d) => `delegate:${d}`),
  ];
  return {
    id: a.name,
    name: a.name,
    description: a.description || `The ${a.name} agent.`,
    tags,
    inputModes: ['text/plain', 'application/json'],
    outputModes: ['text/plain'],
  };
}

/**
 * A skill per workflow: its description names the input fields (a JSON object as a data part, or text when it has one
 * required string field) and how a waiting human step is answered; an example input is the skill's example.
 */
export function workflowSkillOf(name: string, info: WorkflowSkillInfo | undefined): AgentSkill {
  const fields = Object.entries(info?.input ?? {});
  const inputLine =
    fields.length === 0
      ? 'Input: the message text.'
      : `Input: a JSON object (a data part, or the text) with ${fields.map(([f, t]) => `${f}: ${t}`).join(', ')}` +
        (fields.filter(([, t]) => !t.endsWith('?')).length === 1 && fields.some(([, t]) => t === 'string')
          ? '; or plain text for the one required string field.'
          : '.');
  const example = Object.fromEntries(fields.filter(([, t]) => !t.endsWith('?')).map(([f, t]) => [f, EXAMPLE_VALUE[t] ?? null]));
  return {
    id: name,
    name,
    description:
      `${info?.description ?? `The ${name} workflow.`} ${inputLine} ` +
      'A human step makes the task input-required: answer on the task with yes, no, or {"approve": true, "arguments": {…}}.',
    tags: ['workflow'],
    ...(fields.length === 0 ? {} : { examples: [JSON.stringify(example)] }),
    inputModes: ['application/json', 'text/plain'],
    outputModes: ['application/json', 'text/plain'],
  };
}

const EXAMPLE_VALUE: Readonly<Record<string, unknown>> = {
  string: '…',
  number: 0,
  integer: 0,
  boolean: true,
  object: {},
  array: [],
};

/** The card for `agents` (and `workflows`), served at `baseUrl`. */
export function buildAgentCard(
  agents: readonly AgentInfo[],
  baseUrl: string,
  options: AgentCardOptions = {},
  workflows: readonly string[] = [],
): AgentCard {
  const auth = options.auth ?? true;
  const info = new Map((options.workflows ?? []).map((w) => [w.name, w]));
  const skills = [...agents.map(skillOf), ...workflows.map((w) => workflowSkillOf(w, info.get(w)))];
  return {
    name: options.name ?? 'Troupe',
    description:
      options.description ??
      'A Troupe agent mesh. Each skill is an agent or a workflow; ' +
        `pick one with message metadata {"skill": "<id>"} (default: ${skills[0]?.id ?? 'none'}). ` +
        'Answer an input-required task with "yes" or "no <reason>".',
    supportedInterfaces: [{ url: `${baseUrl}${options.rpcPath ?? '/a2a'}`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    provider: { organization: 'Troupe', url: baseUrl },
    version: options.version ?? '0.1.0',
    capabilities: { streaming: true, pushNotifications: false, extendedAgentCard: false },
    ...(auth
      ? {
          securitySchemes: { bearer: { httpAuthSecurityScheme: { scheme: 'Bearer', description: 'A Troupe API key or JWT' } } },
          securityRequirements: [{ schemes: { bearer: { list: [] } } }],
        }
      : {}),
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['text/plain'],
    skills,
  };
}
