/** Model parameters (their wire names, protocols/prompts.ts) as the fields of a {@link ModelRequest}. */
import type { ModelParams } from '../../protocols/index.js';
import type { ModelRequest } from './types.js';

type ParamFields = Pick<ModelRequest, 'temperature' | 'maxTokens' | 'topP' | 'frequencyPenalty' | 'presencePenalty' | 'stop' | 'seed'>;

/** The request fields `p` sets (unset parameters are left out, so each provider's default holds). */
export function requestParams(p: ModelParams | undefined): ParamFields {
  if (p === undefined) return {};
  return {
    ...(p.temperature === undefined ? {} : { temperature: p.temperature }),
    ...(p.max_tokens === undefined ? {} : { maxTokens: p.max_tokens }),
    ...(p.top_p === undefined ? {} : { topP: p.top_p }),
    ...(p.frequency_penalty === undefined ? {} : { frequencyPenalty: p.frequency_penalty }),
    ...(p.presence_penalty === undefined ? {} : { presencePenalty: p.presence_penalty }),
    ...(p.stop === undefined ? {} : { stop: typeof p.stop === 'string' ? [p.stop] : p.stop }),
    ...(p.seed === undefined ? {} : { seed: p.seed }),
  };
}
