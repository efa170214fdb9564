// The config type library users write for `train()`: method blocks are discriminated unions by `name`, each with the
// options its registry schema declares (configTypes.generated.ts, generated from the schemas and checked for
// staleness by a test), so a misspelt option, a wrong value type or an unknown preset fails the TypeScript build
// instead of failing (or, before the schemas were closed, being ignored) at run time.
//
// A component registered at run time (`samplers.register(...)`) is typed by declaration merging:
//   declare module 'hardneg' { interface SamplerConfigs { mine: { depth?: number } } }
// (a program that reads configs from files passes the resolved `RunConfig`, checked at run time only).
import type { RunConfig } from '../core/config.js';
import type {
  AnyEncoderOptions, AnySamplerOptions, EncoderConfigs, LossConfigs, PresetName, SamplerConfigs,
} from './configTypes.generated.js';

export type { AnyEncoderOptions, AnySamplerOptions, EncoderConfigs, LossConfigs, PresetName, SamplerConfigs };

/** `{ name: N, ...options of N }` for every name N of an options-by-name map. */
export type MethodConfig<M> = { [N in keyof M & string]: { name: N } & M[N] }[keyof M & string];

/** An encoder block: a registered encoder by name with its options, or (no name) options for the preset's encoder. */
export type EncoderConfig = MethodConfig<EncoderConfigs> | ({ name?: undefined } & AnyEncoderOptions);
/** A sampler block: a registered sampler by name with its options, or (no name) options for the preset's sampler. */
export type SamplerConfig = MethodConfig<SamplerConfigs> | ({ name?: undefined } & AnySamplerOptions);
/** A loss block: a registered loss by name with its options; null = the sampler's preferred loss, else BPR. */
export type LossConfig = MethodConfig<LossConfigs>;

/**
 * The config `train()` takes from a program: any part of a run config (the rest comes from `preset`, default
 * `quickstart`, exactly as in the CLI), with typed method blocks. Keys and values are also checked at run time.
 */
export interface TrainConfig extends Partial<Omit<RunConfig, 'preset' | 'encoder' | 'sampler' | 'loss' | 'optimizer'>> {
  /** The preset the config starts from (default quickstart: the synthetic example's settings). */
  preset?: PresetName;
  encoder?: EncoderConfig;
  sampler?: SamplerConfig;
  loss?: LossConfig | null;
  optimizer?: Partial<RunConfig['optimizer']>;
}
