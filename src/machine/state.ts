/**
 * Declarative run state, for machine snapshots (machine.ts `snapshot`): an
 * object lists the fields that are its whole state between two decisions of
 * a run, and `saveState`/`restoreState` copy them. Whatever is not listed is
 * configuration (fixed while the machine lives) or derived and recomputed.
 *
 * A field's value is copied by what it is: a nested `Stateful` by its own
 * list, an array element by element, a typed array byte for byte, anything
 * else (numbers, bigints, plain objects, Maps, Sets) by `structuredClone`.
 * Restoring puts arrays and same-sized typed arrays back *in place*, because
 * other objects hold them (the scheduler's view holds `machine.retired`).
 * One field's value is cloned as one graph, so objects referenced twice
 * inside it stay one object.
 */

export interface Stateful {
  /** the fields that are this object's run state */
  readonly stateFields: readonly string[];
  /** called after a restore: drop caches derived from the fields */
  restored?(): void;
}

export type SavedState = unknown[];

function isStateful(v: unknown): v is Stateful {
  return typeof v === 'object' && v !== null && Array.isArray((v as Partial<Stateful>).stateFields);
}

/** a stateful object, or an array holding some at any depth (restored element by element) */
function holdsStateful(v: unknown): boolean {
  return isStateful(v) || (Array.isArray(v) && v.some(holdsStateful));
}

/** a field's value as saved: stateful objects by their own lists, the rest copied */
function save(v: unknown): unknown {
  if (isStateful(v)) return saveState(v);
  if (Array.isArray(v)) return v.map(save);
  return copy(v);
}

/** restores `saved` into `holder[key]`, in place where the current value allows it */
function restoreInto(holder: Record<string, unknown>, key: string, saved: unknown): void {
  const now = holder[key];
  if (isStateful(now)) {
    restoreState(now, saved as SavedState);
    return;
  }
  if (Array.isArray(now) && Array.isArray(saved)) {
    if (now.length === saved.length && holdsStateful(now)) {
      for (let i = 0; i < now.length; i++) restoreInto(now as unknown as Record<string, unknown>, String(i), saved[i]);
      return;
    }
    now.length = 0;
    for (const x of saved) now.push(copy(x));
    return;
  }
  if (ArrayBuffer.isView(now) && ArrayBuffer.isView(saved) && (now as Uint8Array).length === (saved as Uint8Array).length) {
    (now as Uint8Array).set(saved as Uint8Array);
    return;
  }
  holder[key] = copy(saved);
}

/** a fresh copy of a saved value: a snapshot may be restored many times */
function copy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(copy);
  if (ArrayBuffer.isView(v)) return (v as Uint8Array).slice();
  return structuredClone(v);
}

export function saveState(obj: Stateful): SavedState {
  const o = obj as unknown as Record<string, unknown>;
  return obj.stateFields.map((f) => {
    if (!(f in o)) throw new Error(`${obj.constructor.name}: no state field '${f}'`);
    return save(o[f]);
  });
}

export function restoreState(obj: Stateful, saved: SavedState): void {
  const o = obj as unknown as Record<string, unknown>;
  obj.stateFields.forEach((f, i) => restoreInto(o, f, saved[i]));
  obj.restored?.();
}
