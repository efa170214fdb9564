// Persistent state of a run component beyond its parameters (a sampler's memory, an encoder's cached views):
// named typed arrays (safetensors-friendly) and numbers, checkpointed under the component's name.
export type ComponentState = Record<string, Int32Array | Float32Array | number>;
