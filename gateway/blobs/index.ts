/** `/blobs` and content parts at the gateway's edges (ADR 0043). */
export { blobsRoute, admitMessages, blobStoreOf, mediaPolicy } from './route.js';
export { lcBlocksToParts, toLcBlock, toLcContent, checkedParts, blobUrl } from './blocks.js';
