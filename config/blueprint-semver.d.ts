// The part of `semver` (which ships no types, and @types/semver is not installed) that blueprints use.
declare module 'semver' {
  interface Options {
    readonly includePrerelease?: boolean;
    readonly loose?: boolean;
  }
  function valid(version: string, options?: Options): string | null;
  function validRange(range: string, options?: Options): string | null;
  function satisfies(version: string, range: string, options?: Options): boolean;
  function gt(a: string, b: string, options?: Options): boolean;
  const semver: { valid: typeof valid; validRange: typeof validRange; satisfies: typeof satisfies; gt: typeof gt };
  export default semver;
}
