// A registry of one kind of component (encoders, samplers, losses, presets): named entries with aliases, looked
// up with a clear error and a suggestion, open to registration at run time so a program or a test adds a
// component without editing any other file. Lists (CLI help, library exports, conformance tests) are read from
// here, never kept by hand.
import { suggest } from './options.js';

export interface RegistryEntry {
  readonly name: string;
  /** Other spellings accepted for the name. */
  readonly aliases?: readonly string[];
  /** One line for --help. */
  readonly describe: string;
}

export class Registry<E extends RegistryEntry> {
  private readonly entries = new Map<string, E>();
  private readonly aliases = new Map<string, string>();

  /** `quote` wraps an unknown name in the error message. */
  constructor(readonly kind: string, private readonly quote = "'") {}

  /** Adds an entry; a name or alias already taken is an error (registration never silently replaces). */
  register(entry: E): E {
    const { name } = entry;
    if (typeof name !== 'string' || !/^[A-Za-z][\w.-]*$/.test(name)) {
      throw new Error(`${this.kind} registry: invalid name ${JSON.stringify(name)}`);
    }
    for (const n of [name, ...(entry.aliases ?? [])]) {
      if (this.entries.has(n) || this.aliases.has(n)) throw new Error(`${this.kind} registry: '${n}' is already registered`);
    }
    this.entries.set(name, entry);
    for (const a of entry.aliases ?? []) this.aliases.set(a, name);
    return entry;
  }

  /** Removes an entry (tests that register temporary components clean up with it). */
  unregister(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    this.entries.delete(name);
    for (const a of e.aliases ?? []) this.aliases.delete(a);
  }

  /** The canonical name of `name` (an alias resolves), or undefined. */
  resolve(name: string): string | undefined {
    if (typeof name !== 'string') return undefined;
    if (this.entries.has(name)) return name;
    return this.aliases.get(name);
  }

  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  /** The entry of `name`, or an error listing the known names (with a did-you-mean). */
  get(name: string): E {
    const key = this.resolve(name);
    if (key !== undefined) return this.entries.get(key)!;
    const hint = typeof name === 'string' ? suggest(name, [...this.entries.keys(), ...this.aliases.keys()]) : undefined;
    const q = this.quote;
    const al = this.aliases.size ? `; aliases: ${this.aliasNames().join(', ')}` : '';
    throw new Error(`unknown ${this.kind} ${q}${String(name)}${q}; known: ${this.names().join(', ')}${al}` +
      (hint ? ` (did you mean '${hint}'?)` : ''));
  }

  /** Canonical names in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  list(): E[] {
    return [...this.entries.values()];
  }

  aliasNames(): string[] {
    return [...this.aliases.keys()];
  }
}
