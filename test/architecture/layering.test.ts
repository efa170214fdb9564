// The layering of src/, locked in: every static `import` / `export … from` (type-only ones too, and `import('…')`
// with a literal) of every src/**/*.ts is parsed with the TypeScript parser, the module graph is folded into a graph
// of src's folders, and the test fails on (1) an import cycle between folders and (2) an edge the rule table below
// forbids. KNOWN_VIOLATIONS (empty now) is the escape hatch: a violation not on it fails the test, and so
// does a listed one that has gone (remove it), so the list can only shrink, to empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../helpers/paths.js';

// ---------------------------------------------------------------------------------------------------------------
// the rules (data). A folder is the first path segment under src/; files directly in src/ (the library entry
// index.ts) form the folder '(root)'. An edge from a folder to itself is always allowed.

interface Rule {
  /** The importing folder, or '*' for every folder. */
  from: string;
  /** When given, the only folders `from` may import. */
  allowOnly?: readonly string[];
  /** Folders `from` must not import. */
  deny?: readonly string[];
  /** For from '*': folders the rule does not apply to. */
  except?: readonly string[];
  why: string;
}

const RULES: readonly Rule[] = [
  { from: 'engine', allowOnly: ['core'], why: 'the engine knows no recommender concept; it builds on the neutral leaf only' },
  { from: 'core', allowOnly: [], why: 'core (Rng, CsrMatrix) is the neutral leaf everything may import' },
  { from: 'data', deny: ['engine'], why: 'loading and splitting data needs no tensors' },
  { from: 'training', deny: ['experiments', 'cli', 'report'], why: 'the loop takes built components and emits events; the experiment layer sits above it' },
  { from: 'samplers', deny: ['training'], why: 'samplers see a SampleContext, not the trainer' },
  { from: 'evaluation', deny: ['samplers', 'training'], why: 'evaluation ranks embeddings; it must not depend on how they were trained' },
  { from: 'encoders', deny: ['samplers', 'losses', 'training', 'experiments'], why: 'an encoder turns parameters into rows; it knows nothing of how they are trained' },
  { from: 'losses', deny: ['encoders', 'samplers', 'training', 'experiments'], why: 'a loss reads the LossInputs the step hands it' },
  { from: 'serving', deny: ['training', 'experiments'], why: 'serving a model needs its embeddings, not the trainer' },
  { from: 'reproduce', deny: ['cli'], why: 'a paper item expands into sweeps and reports; it sits just under the CLI' },
  { from: '*', deny: ['reproduce'], except: ['cli', 'reproduce', '(root)'], why: 'nothing below the paper catalogue may depend on it' },
  { from: '*', deny: ['cli'], except: ['cli'], why: 'the CLI parses flags and prints; library code lives below it' },
];

/**
 * Violations present today, by id ('edge A -> B' for a forbidden folder edge, 'cycle: A, B, …' for the folders of
 * one strongly connected component, sorted). Each entry names what removes it. Shrink this list; never grow it.
 */
const KNOWN_VIOLATIONS: readonly string[] = [
  // Empty since the experiment runner (experiments/run.ts), the record types (training/types.ts) and recommend
  // (serving/recommend.ts) moved out of the trainer and the CLI. Add nothing here: fix the import instead.
];

// ---------------------------------------------------------------------------------------------------------------
// the checker (pure: it takes file edges, so the self-tests can feed it a synthetic graph)

interface FileEdge {
  /** Paths relative to src/, with '/' separators. */
  from: string;
  to: string;
}

interface Violation {
  id: string;
  detail: string;
}

function folderOf(file: string): string {
  const i = file.indexOf('/');
  return i < 0 ? '(root)' : file.slice(0, i);
}

function forbidden(from: string, to: string, rules: readonly Rule[]): Rule | null {
  if (from === to) return null;
  for (const r of rules) {
    if (r.from !== '*' && r.from !== from) continue;
    if (r.except?.includes(from)) continue;
    if (r.allowOnly && !r.allowOnly.includes(to)) return r;
    if (r.deny?.includes(to)) return r;
  }
  return null;
}

/** Folder edges with the file edges behind each, in a stable order. */
function folderGraph(edges: readonly FileEdge[]): Map<string, Map<string, FileEdge[]>> {
  const g = new Map<string, Map<string, FileEdge[]>>();
  const sorted = [...edges].sort((a, b) => (a.from + '\0' + a.to).localeCompare(b.from + '\0' + b.to));
  for (const e of sorted) {
    const a = folderOf(e.from), b = folderOf(e.to);
    if (!g.has(a)) g.set(a, new Map());
    if (!g.has(b)) g.set(b, new Map());
    if (a === b) continue;
    const out = g.get(a)!;
    if (!out.has(b)) out.set(b, []);
    out.get(b)!.push(e);
  }
  return g;
}

/** Strongly connected components (Tarjan), each sorted; only those with more than one folder. */
function cycles(g: Map<string, Map<string, FileEdge[]>>): string[][] {
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], on = new Set<string>(), out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of [...g.get(v)!.keys()].sort()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of [...g.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => a.join().localeCompare(b.join()));
}

/** One closed path through a component, starting at its first folder (BFS back to the start), for the message. */
function cyclePath(g: Map<string, Map<string, FileEdge[]>>, comp: readonly string[]): string[] {
  const start = comp[0], inComp = new Set(comp);
  const prev = new Map<string, string>();
  const queue = [...g.get(start)!.keys()].filter((w) => inComp.has(w)).sort();
  for (const w of queue) prev.set(w, start);
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    if (v === start) break;
    for (const w of [...g.get(v)!.keys()].sort()) {
      if (!inComp.has(w) || prev.has(w)) continue;
      prev.set(w, v);
      queue.push(w);
    }
  }
  const path = [start];
  for (let v = prev.get(start)!; v !== start; v = prev.get(v)!) path.unshift(v);
  path.unshift(start);
  return path;
}

function checkLayering(edges: readonly FileEdge[], rules: readonly Rule[] = RULES): Violation[] {
  const g = folderGraph(edges);
  const found: Violation[] = [];
  for (const [a, outs] of [...g].sort(([x], [y]) => x.localeCompare(y))) {
    for (const [b, fileEdges] of [...outs].sort(([x], [y]) => x.localeCompare(y))) {
      const r = forbidden(a, b, rules);
      if (!r) continue;
      found.push({
        id: `edge ${a} -> ${b}`,
        detail: `${a} must not import ${b} (${r.why}):\n${fileEdges.map((e) => `    src/${e.from} -> src/${e.to}`).join('\n')}`,
      });
    }
  }
  for (const comp of cycles(g)) {
    const path = cyclePath(g, comp);
    const hops: string[] = [];
    for (let i = 0; i + 1 < path.length; i++) {
      const e = g.get(path[i])!.get(path[i + 1])!;
      hops.push(`    ${path[i]} -> ${path[i + 1]}: src/${e[0].from} -> src/${e[0].to}${e.length > 1 ? ` (+${e.length - 1} more)` : ''}`);
    }
    found.push({ id: `cycle: ${comp.join(', ')}`, detail: `import cycle ${path.join(' -> ')}:\n${hops.join('\n')}` });
  }
  return found;
}

/** Violations not on the list, and listed ones that are no longer found. */
function diffKnown(found: readonly Violation[], known: readonly string[]): { added: Violation[]; gone: string[] } {
  const ids = new Set(found.map((v) => v.id));
  return { added: found.filter((v) => !known.includes(v.id)), gone: known.filter((k) => !ids.has(k)) };
}

// ---------------------------------------------------------------------------------------------------------------
// reading src/

/** Module specifiers a TypeScript source imports or re-exports (static, type-only included, literal import()). */
function specifiersOf(text: string, fileName = 'x.ts'): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      out.push(n.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)
      && ts.isStringLiteral(n.moduleReference.expression)) {
      out.push(n.moduleReference.expression.text);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments.length > 0
      && ts.isStringLiteralLike(n.arguments[0])) {
      out.push(n.arguments[0].text);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      out.push(n.argument.literal.text); // type-position import('…').T
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (f.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every relative import edge between src files; unresolvable relative specifiers are returned separately. */
function srcGraph(): { edges: FileEdge[]; unresolved: string[] } {
  const src = join(repoRoot, 'src');
  const rel = (p: string) => relative(src, p).split(sep).join('/');
  const edges: FileEdge[] = [], unresolved: string[] = [];
  for (const file of sourceFiles(src)) {
    for (const spec of specifiersOf(readFileSync(file, 'utf8'), file)) {
      if (!spec.startsWith('.')) continue; // node: builtins and packages
      const base = join(dirname(file), spec);
      const target = [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.d.ts'), join(base, 'index.ts'), base]
        .find((c) => c.endsWith('.ts') && existsSync(c));
      if (!target) unresolved.push(`src/${rel(file)}: '${spec}'`);
      else edges.push({ from: rel(file), to: rel(target) });
    }
  }
  return { edges, unresolved };
}

// ---------------------------------------------------------------------------------------------------------------

test('layering: no folder cycle or forbidden edge in src/ beyond the known list (which must shrink, not linger)', () => {
  const { edges, unresolved } = srcGraph();
  assert.ok(edges.length > 100, `only ${edges.length} import edges found: the scan is broken`);
  assert.deepEqual(unresolved, [], 'relative imports that resolve to no file under src/');
  const { added, gone } = diffKnown(checkLayering(edges), KNOWN_VIOLATIONS);
  const report = [
    ...(added.length ? [`new layering violations:\n${added.map((v) => `- ${v.id}\n  ${v.detail}`).join('\n')}`] : []),
    ...(gone.length ? [`fixed, so remove from KNOWN_VIOLATIONS in test/architecture/layering.test.ts: ${gone.join('; ')}`] : []),
  ];
  assert.ok(report.length === 0, report.join('\n'));
});

test('layering self-test: a planted forbidden edge, a planted cycle and the known-list diff are caught', () => {
  const clean: FileEdge[] = [
    { from: 'engine/ops.ts', to: 'core/rng.ts' },
    { from: 'data/load.ts', to: 'core/csr.ts' },
    { from: 'samplers/dns.ts', to: 'engine/ops.ts' },
    { from: 'samplers/dns.ts', to: 'data/types.ts' },
    { from: 'training/trainer.ts', to: 'samplers/index.ts' },
    { from: 'cli/main.ts', to: 'cli/train.ts' },
    { from: 'cli/train.ts', to: 'training/trainer.ts' },
    { from: 'index.ts', to: 'training/trainer.ts' },
    { from: 'engine/ops.ts', to: 'engine/tensor.ts' }, // same folder: allowed
    { from: 'engine/tensor.ts', to: 'engine/ops.ts' }, // a file cycle inside one folder is not a folder cycle
  ];
  assert.deepEqual(checkLayering(clean), []);

  const planted = [...clean,
    { from: 'engine/ops.ts', to: 'data/types.ts' },         // engine → anything but core
    { from: 'encoders/mf.ts', to: 'cli/common.ts' },        // anything → cli
    { from: 'data/load.ts', to: 'samplers/dns.ts' },        // allowed by the table, but closes data → samplers → data
  ];
  const found = checkLayering(planted);
  const ids = found.map((v) => v.id);
  assert.ok(ids.includes('edge engine -> data'), ids.join('; '));
  assert.ok(ids.includes('edge encoders -> cli'), ids.join('; '));
  assert.ok(ids.includes('cycle: data, engine, samplers'), ids.join('; '));
  assert.ok(!ids.some((i) => i.startsWith('edge data -> samplers') || i === 'edge cli -> cli'), ids.join('; '));
  const edge = found.find((v) => v.id === 'edge engine -> data')!;
  assert.match(edge.detail, /src\/engine\/ops\.ts -> src\/data\/types\.ts/);
  const cyc = found.find((v) => v.id.startsWith('cycle'))!;
  assert.match(cyc.detail, /import cycle data -> .* -> data/);

  // The known list: a new violation and a vanished listed one both show up.
  const { added, gone } = diffKnown(found, ['edge engine -> data', 'cycle: experiments, report, training']);
  assert.deepEqual(added.map((v) => v.id).sort(), ['cycle: data, engine, samplers', 'edge encoders -> cli']);
  assert.deepEqual(gone, ['cycle: experiments, report, training']);

  // Each rule of the table fires on its own planted edge.
  for (const [from, to] of [['core', 'engine'], ['data', 'engine'], ['training', 'experiments'], ['training', 'cli'],
    ['training', 'report'], ['samplers', 'training'], ['evaluation', 'samplers'], ['evaluation', 'training'],
    ['(root)', 'cli'], ['engine', 'evaluation']]) {
    const f = from === '(root)' ? 'index.ts' : `${from}/a.ts`;
    const v = checkLayering([{ from: f, to: `${to}/b.ts` }]);
    assert.deepEqual(v.map((x) => x.id), [`edge ${from} -> ${to}`]);
  }
});

test('layering parser: import type, export … from (also export * as), multi-line, side effects, import(); not comments or strings', () => {
  const text = [
    "import type { A } from './a.js';",
    "export type { B } from './b.js';",
    "export * as ops from './c.js';",
    'import {',
    '  x,',
    "  y } from './d.js';",
    "import './e.js';",
    "export { z } from './f.js';",
    "// import q from './comment.js';",
    "/* export * from './block.js'; */",
    "const s = \"import w from './string.js'\";",
    "const m = await import('./dyn.js');",
    "type T = import('./typepos.js').T;",
    "import fs from 'node:fs';",
  ].join('\n');
  assert.deepEqual(specifiersOf(text), ['./a.js', './b.js', './c.js', './d.js', './e.js', './f.js', './dyn.js', './typepos.js', 'node:fs']);
});
