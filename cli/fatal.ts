/**
 * A node that cannot recover exits non-zero (70, EX_SOFTWARE) so that its process manager
 * restarts it, instead of serving nothing while looking alive (ADR 0015).
 */
export function exitOnFatal(reason: string): void {
  console.error(`troupe: node cannot recover: ${reason}; exiting`);
  process.exitCode = 70;
  setTimeout(() => process.exit(70), 200);
}
