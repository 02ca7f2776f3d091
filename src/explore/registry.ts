/**
 * The program registry: programs by id, so that a worker thread, a shard on another machine or
 * `resetlab replay` can find a program from the id in a task message or a failure file.
 * Programs hold closures and cannot be sent between threads; ids can.
 *
 * A module that registers programs (the built-in scenarios × designs, a test's fixtures) is
 * imported for its side effect; campaign workers import the module path they are given, so
 * that new programs never require changes here. Factories run lazily, once per id per thread.
 */
import type { Program } from './program.js';

export type ProgramFactory = () => Program;

export const MAX_PROGRAMS = 100_000;

const factories = new Map<string, ProgramFactory>();
const instances = new Map<string, Program>();
/** Resolvers for ids that are not registered one by one (a bug variant, a scenario file). */
const resolvers: Array<(id: string) => Program | undefined> = [];

/** Registers a resolver: it returns the program for an id it understands, else undefined. */
export function registerResolver(resolve: (id: string) => Program | undefined): void {
  if (!resolvers.includes(resolve)) resolvers.push(resolve);
}

export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

/**
 * Registers a program factory. Registering the same factory twice is harmless (a module may be
 * imported through two paths); a different factory for an existing id is a bug.
 */
export function registerProgram(id: string, factory: ProgramFactory): void {
  if (id.length === 0) throw new RegistryError('registerProgram: empty id');
  const cur = factories.get(id);
  if (cur !== undefined) {
    if (cur === factory) return;
    throw new RegistryError(`registerProgram: '${id}' is already registered`);
  }
  if (factories.size >= MAX_PROGRAMS) throw new RegistryError('registerProgram: too many programs');
  factories.set(id, factory);
}

/** The program with this id, or undefined (use `programIds()` to say what exists). */
export function getProgram(id: string): Program | undefined {
  let p = instances.get(id);
  if (p !== undefined) return p;
  const f = factories.get(id);
  if (f === undefined) {
    for (const r of resolvers) {
      const q = r(id);
      if (q !== undefined) {
        if (q.id !== id) throw new RegistryError(`resolver for '${id}' returned '${q.id}'`);
        instances.set(id, q);
        return q;
      }
    }
    return undefined;
  }
  p = f();
  if (p.id !== id) throw new RegistryError(`program registered as '${id}' reports id '${p.id}'`);
  instances.set(id, p);
  return p;
}

/** Registered ids, sorted. */
export function programIds(): string[] {
  return [...factories.keys()].sort();
}
