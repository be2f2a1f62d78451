/** The Troupe console: the web UI the gateway serves at `/` (docs/console.md). */
export { consoleRoute, CONSOLE_CSP, pickEncoding } from './route.js';
export { consoleBundle, type ConsoleAsset, type ConsoleBundle } from './build.js';
