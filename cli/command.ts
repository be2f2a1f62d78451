/** The shape every `troupe` sub-command has: a name, its usage text, and how it runs (main.ts holds the one-line summaries). */

/** One sub-command of `troupe` (each lives in its own file under cli/). */
export interface Command {
  readonly name: string;
  /** What `troupe <name> --help` prints. */
  readonly usage: string;
  /** Runs with the arguments after the command's name; resolves with the exit code. */
  run(args: string[]): Promise<number>;
}

/** True when the arguments ask for help (`--help` / `-h`). */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
