// The part of `semver` (which ships no types, and @types/semver is not installed) that blueprints use.
declare module 'semver' {
  interface Options {
    readonly includePrerelease?: boolean;
    readonly loose?: boolean;
  }
  const semver: {
    valid(version: string, options?: Options): string | null;
    validRange(range: string, options?: Options): string | null;
    satisfies(version: string, range: string, options?: Options): boolean;
    gt(a: string, b: string, options?: Options): boolean;
  };
  export default semver;
}
