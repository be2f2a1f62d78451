/**
 * The versioned model registry of a tenant (`trainer/models`, stateful: its one writer). A fine-tune job that
 * succeeds registers its model as the next version of its name — once, however often the job asks (by job id) — and
 * an admin switches an agent to a version: the override an agent reads at the start of each run
 * (override.ts). Everything lives in storage `models`, keyed by tenant first.
 */
import { z } from 'zod';
import { NotFoundError, type Envelope } from '../../../protocols/index.js';
import type { Behavior, KvBucket, Storage } from '../../../runtime/index.js';
import {
  MODELS_LIST,
  MODELS_REGISTER,
  MODELS_USE,
  registerSchema,
  useSchema,
  type ModelUse,
  type ModelVersion,
  type RegisterModel,
  type UseModel,
} from './schemas.js';

/** The bucket of registered models and overrides. */
export const MODELS_BUCKET = 'models';

/** A version as a key segment that sorts numerically. */
const versionKey = (v: number): string => String(v).padStart(8, '0');

/** Reads of the registry (the gateway and the model override read; only `trainer/models` writes). */
export class ModelRegistry {
  private readonly bucket: KvBucket;

  constructor(storage: Storage) {
    this.bucket = storage.bucket(MODELS_BUCKET);
  }

  /** Every version of `tenant`'s models (of one name when given), by name and version. */
  async versions(tenant: string, name?: string): Promise<ModelVersion[]> {
    const key = name === undefined ? [tenant, 'model'] : [tenant, 'model', name];
    return (await this.bucket.list<ModelVersion>(key)).map((e) => e.value);
  }

  /** One version (the newest of `name` when `version` is undefined). */
  async version(tenant: string, name: string, version?: number): Promise<ModelVersion | undefined> {
    if (version !== undefined) return this.bucket.get<ModelVersion>([tenant, 'model', name, versionKey(version)]);
    return (await this.versions(tenant, name)).at(-1);
  }

  /** The agents switched to registered models. */
  async uses(tenant: string): Promise<ModelUse[]> {
    return (await this.bucket.list<ModelUse>([tenant, 'use'])).map((e) => e.value);
  }

  /** The model `agent` is switched to, if any. */
  use(tenant: string, agent: string): Promise<ModelUse | undefined> {
    return this.bucket.get<ModelUse>([tenant, 'use', agent]);
  }

  /** Writes (the registry actor only). */
  async put(tenant: string, v: ModelVersion): Promise<void> {
    await this.bucket.put([tenant, 'model', v.name, versionKey(v.version)], v);
  }

  /** Writes or clears an override (the registry actor only). */
  async setUse(tenant: string, agent: string, use: ModelUse | undefined): Promise<void> {
    if (use === undefined) await this.bucket.delete([tenant, 'use', agent]);
    else await this.bucket.put([tenant, 'use', agent], use);
  }
}

async function register(reg: ModelRegistry, tenant: string, p: RegisterModel, now: number): Promise<ModelVersion> {
  const existing = await reg.versions(tenant, p.name);
  const same = existing.find((v) => v.job_id === p.job_id);
  if (same !== undefined) return same; // the job asked again (a retry after a crash)
  const v: ModelVersion = { ...p, version: (existing.at(-1)?.version ?? 0) + 1, created_at: new Date(now).toISOString() };
  await reg.put(tenant, v);
  return v;
}

async function use(reg: ModelRegistry, tenant: string, p: UseModel, now: number): Promise<ModelUse | null> {
  if (p.name === null) {
    await reg.setUse(tenant, p.agent, undefined);
    return null;
  }
  const v = await reg.version(tenant, p.name, p.version);
  if (v === undefined)
    throw new NotFoundError(`no model ${p.name}${p.version === undefined ? '' : ` version ${p.version}`} in the registry`);
  const u: ModelUse = {
    agent: p.agent,
    name: v.name,
    version: v.version,
    model: v.model,
    provider: v.provider,
    at: new Date(now).toISOString(),
  };
  await reg.setUse(tenant, p.agent, u);
  return u;
}

/** The behavior of a tenant's `trainer/models`. */
export function modelsBehavior(): Behavior<ModelRegistry> {
  return {
    schemas: { [MODELS_REGISTER]: registerSchema, [MODELS_USE]: useSchema, [MODELS_LIST]: z.object({}) },
    init: (ctx) => new ModelRegistry(ctx.system.storage),
    async receive(msg: Envelope, ctx) {
      const tenant = ctx.self.tenant;
      const now = ctx.system.clock.now();
      switch (msg.type) {
        case MODELS_REGISTER:
          return register(ctx.state, tenant, msg.payload as RegisterModel, now);
        case MODELS_USE:
          return use(ctx.state, tenant, msg.payload as UseModel, now);
        case MODELS_LIST:
          return { models: await ctx.state.versions(tenant), uses: await ctx.state.uses(tenant) };
        default:
          return undefined;
      }
    },
  };
}
