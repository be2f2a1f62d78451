#!/usr/bin/env node
/**
 * The `troupe` command: a thin dispatcher. It sits at the top of the dependency graph (ADR 0002);
 * each sub-command lives in its own file under cli/ and composes config, supervisors, the
 * runtime and the gateway.
 */
import { parseArgs } from 'node:util';
import { isConfigError, loadConfig, redactConfig } from '../config/index.js';
import { UsageError, wantsHelp, type Command } from './command.js';

const VERSION = 'troupe 0.1.0';

/** `troupe config`: validate and print the resolved configuration, secrets redacted. */
const configCommand: Command = {
  name: 'config',
  usage: 'troupe config [--config FILE]\n  Validate and print the resolved configuration (file + TROUPE_* environment), secrets redacted.',
  run(args) {
    const { values } = parseArgs({ args, options: { config: { type: 'string' } } });
    console.log(JSON.stringify(redactConfig(loadConfig({ file: values.config })), null, 2));
    return Promise.resolve(0);
  },
};

const versionCommand: Command = { name: 'version', usage: 'troupe version', run: () => (console.log(VERSION), Promise.resolve(0)) };

/** The commands, each loaded only when used (so `--help` and `version` stay instant). */
const COMMANDS: readonly { readonly name: string; readonly summary: string; load(): Promise<Command> }[] = [
  {
    name: 'start',
    summary: 'start an embedded node serving your config (and the demo on the default config)',
    load: async () => (await import('./start.js')).startCommand,
  },
  {
    name: 'chat',
    summary: 'chat with an agent in the terminal (streaming, tool calls, approvals)',
    load: async () => (await import('./chat.js')).chatCommand,
  },
  { name: 'run', summary: 'run an agent once on a text and print its answer', load: async () => (await import('./run.js')).runCommand },
  {
    name: 'ingest',
    summary: 'ingest Markdown, text, HTML and JSON files into a RAG collection',
    load: async () => (await import('./ingest.js')).ingestCommand,
  },
  {
    name: 'eval',
    summary: 'run an evaluation suite (promptfoo-style YAML) against agents; JSON and JUnit out; compare two results',
    load: async () => (await import('./eval.js')).evalCommand,
  },
  {
    name: 'datasets',
    summary: 'export runs as fine-tuning JSONL (chat or preference) or an eval suite, personal data redacted',
    load: async () => (await import('./datasets.js')).datasetsCommand,
  },
  {
    name: 'finetune',
    summary: 'start, watch and cancel fine-tune jobs; list registered models and switch agents to them',
    load: async () => (await import('./finetune.js')).finetuneCommand,
  },
  {
    name: 'experiments',
    summary: 'A/B/n experiments over template versions: list, create, watch, stop, promote (admin)',
    load: async () => (await import('./experiments.js')).experimentsCommand,
  },
  {
    name: 'optimize',
    summary: 'optimise an agent prompt on an eval suite (rewrites, few-shot demos; train/held-out; budget) (admin)',
    load: async () => (await import('./optimize.js')).optimizeCommand,
  },
  {
    name: 'blueprint',
    summary: 'blueprints: init, validate, pack, install, list, remove and upgrade bundles of agents, tools and knowledge',
    load: async () => (await import('./blueprint.js')).blueprintCommand,
  },
  {
    name: 'threads',
    summary: 'list threads, or show one with its messages and runs',
    load: async () => (await import('./threads.js')).threadsCommand,
  },
  { name: 'runs', summary: 'list runs (all, or of a thread), or show one', load: async () => (await import('./threads.js')).runsCommand },
  {
    name: 'deadletters',
    summary: 'list, show and redrive dead letters (embedded data dir, or a gateway with --url and an admin key)',
    load: async () => (await import('./deadletters.js')).deadLettersCommand,
  },
  {
    name: 'node',
    summary: 'join a NATS JetStream mesh and host actor kinds; `node drain` drains one',
    load: async () => (await import('./node.js')).nodeCommand,
  },
  {
    name: 'key',
    summary: 'make a gateway API key (prints the key once and its hashed config entry)',
    load: async () => (await import('./key.js')).keyCommand,
  },
  {
    name: configCommand.name,
    summary: 'validate and print the resolved configuration (file + TROUPE_* environment)',
    load: () => Promise.resolve(configCommand),
  },
  { name: versionCommand.name, summary: 'print the version', load: () => Promise.resolve(versionCommand) },
];

const HELP = `troupe — an actor-model runtime for multi-agent AI systems

Usage: troupe <command> [options]     (troupe <command> --help for its options)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(11)} ${c.summary}`).join('\n')}

Start here:
  troupe start                 serve the default agents (offline model) with the console at http://127.0.0.1:7700
  troupe chat triage           chat with an agent from this terminal
  troupe run assistant "what is 2*(3+4)^2?"
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = COMMANDS.find((c) => c.name === rest[0]);
    console.log(topic === undefined ? HELP : (await topic.load()).usage);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(VERSION);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    console.error(`troupe: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  const command = await entry.load();
  if (wantsHelp(rest)) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    const usageError = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
    // The gateway client (and `ws`) is loaded only to recognise its error, never on the way to a command.
    if (e instanceof (await import('../gateway/client/index.js')).GatewayError) {
      console.error(`troupe ${name}: ${(e as Error).message}`);
      return 1;
    }
    if (!usageError) throw e;
    console.error(`troupe ${name}: ${(e as Error).message}\n\n${command.usage}`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(isConfigError(e) ? e.message : `troupe: ${(e as Error)?.stack ?? String(e)}`);
    process.exit(1);
  },
);
