/** `troupe start` runs the demo only on the default configuration: a config with agents of its own is served as it is. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.js';
import { isDefaultConfig } from '../../cli/start.js';

describe('isDefaultConfig', () => {
  it('is true for the defaults and false once the config names its own agents', () => {
    expect(isDefaultConfig(configSchema.parse({}))).toBe(true);
    expect(isDefaultConfig(configSchema.parse({ gateway: { port: 0 }, collections: [{ name: 'kb' }] }))).toBe(true);
    expect(isDefaultConfig(configSchema.parse({ agents: [{ name: 'helper', instructions: 'Help.' }] }))).toBe(false);
    expect(isDefaultConfig(configSchema.parse({ agents: [{ name: 'assistant', instructions: 'Something else.' }] }))).toBe(false);
  });
});
