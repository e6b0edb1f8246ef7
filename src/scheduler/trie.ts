/**
 * The schedules an exploration has already run, as a trie of their
 * *branching* decisions (those with more than one option: the choices the
 * run's schedule is made of; the rest are forced). Random and PCT consult
 * it while a run goes, so that a schedule is not run twice:
 *
 * - a node is *done* when every option at it leads to a done node, and the
 *   place a run ended after its last branching decision is done: below a
 *   done node every schedule has run. Random never takes an option whose
 *   node is done (so it never repeats a schedule known to the trie), and
 *   when the root is done every schedule has run;
 * - PCT's choices from a node on depend only on the machine there (fixed by
 *   the path) and its own state `RANKING~CHANGES`: the cores by priority and
 *   the change points still to come (numbered by branching decision, so the
 *   node at depth d is passed when d have been). Each node keeps the states
 *   runs arrived with; a run arriving with one already there can only repeat
 *   that run, and stops at once. A node also keeps, per ranking, where a run
 *   that changed nothing after it ended (depth L): a run arriving with that
 *   ranking whose next change point lies beyond L follows it to the end
 *   without changing anything either (a change point K > L is the usual
 *   case: K is the most contended decisions any run had), so it stops too.
 *
 * The trie knows what the driver told it between batches (`add`), never a
 * run of the same batch, so what a run does depends only on the batches
 * before it, whichever worker runs it: a repeat inside one batch is left to
 * the driver's tally of decision-sequence hashes.
 */

/** thrown by a policy whose run can only repeat one already run (PCT): the run stops uncounted */
export class RepeatRun extends Error {
  constructor() {
    super('this run can only repeat a schedule already run');
  }
}

/** a run's branching decisions as sessions learn them; `cut`: a prefix only (see ScheduleTrie.add) */
export interface LearnedPath {
  path: BranchStep[];
  cut?: boolean;
}

/** one branching decision of a run: what it chose, its options, and (PCT) the policy's state on arrival */
export interface BranchStep {
  chosen: string;
  options: string[];
  state?: string;
}

class TrieNode {
  /** the option each child is reached by, in order (shared between nodes with the same options) */
  options: string[] | undefined;
  children: (TrieNode | undefined)[] | undefined;
  done = false;
  states: Set<string> | undefined;
  /** PCT: ranking -> depth at which a run that arrived with it and changed nothing more ended */
  quiet: Map<string, number> | undefined;

  child(option: string): TrieNode | undefined {
    const i = this.options?.indexOf(option) ?? -1;
    return i < 0 ? undefined : this.children?.[i];
  }
}

/** a PCT state's ranking and its next change point (Infinity: none) */
function splitState(state: string): [string, number] {
  const [ranking, changes] = state.split('~');
  return [ranking!, changes ? Math.min(...changes.split('.').map(Number)) : Infinity];
}

/**
 * Nodes the trie holds at most: a random run of the kexec firmware has some
 * 600 branching decisions, each a node once its path leaves the tree, and a
 * node costs about 450 bytes (the driver and each session keep a trie): 3000
 * such runs would take hundreds of MB. Past the bound, paths are followed
 * as far as nodes exist and no further (their ends are not marked done): a
 * repeat the trie no longer sees is still caught by the tally. Which nodes
 * exist depends only on the order runs were added, so every session agrees.
 */
export const TRIE_NODES = 20_000;

export class ScheduleTrie {
  private readonly root = new TrieNode();
  private nodes = 1;
  private readonly interned = new Map<string, string[]>();
  /** runs added */
  runs = 0;

  constructor(private readonly limit = TRIE_NODES) {}

  /**
   * A run's branching decisions, as it ran them (`cut`: only a prefix of
   * them, as `add` kept it before). Returns how many steps the trie took in,
   * whether it took the whole run, and whether the trie changed at all:
   * keeping the changing prefixes, marked cut when not whole, and adding
   * them again rebuilds the same trie (one that changed nothing need not be
   * kept, which keeps a long exploration's resume state from growing once
   * the trie is full).
   */
  add(path: BranchStep[], cut = false): { taken: number; whole: boolean; changed: boolean } {
    this.runs++;
    let node = this.root;
    const nodes = [node];
    let taken = 0;
    let changed = false;
    for (const s of path) {
      if (!node.options) {
        const key = s.options.join('|');
        let opts = this.interned.get(key);
        if (!opts) this.interned.set(key, (opts = s.options));
        node.options = opts;
        node.children = new Array<TrieNode | undefined>(opts.length);
        changed = true;
      }
      if (s.state !== undefined && !node.states?.has(s.state)) {
        (node.states ??= new Set()).add(s.state);
        changed = true;
      }
      taken++;
      const i = node.options.indexOf(s.chosen);
      let child = i < 0 ? undefined : node.children![i];
      if (!child) {
        if (this.nodes >= this.limit || i < 0) return { taken, whole: false, changed };
        node.children![i] = child = new TrieNode();
        this.nodes++;
        changed = true;
      }
      node = child;
      nodes.push(node);
    }
    if (cut) return { taken, whole: false, changed };
    path.forEach((s, k) => {
      if (s.state === undefined) return;
      const [ranking, next] = splitState(s.state);
      if (next > path.length && nodes[k]!.quiet?.get(ranking) !== path.length) {
        (nodes[k]!.quiet ??= new Map()).set(ranking, path.length);
        changed = true;
      }
    });
    if (!node.done) changed = true;
    node.done = true; // nothing branches after the last branching decision: this schedule has run
    for (let i = nodes.length - 2; i >= 0; i--) {
      const n = nodes[i]!;
      if (n.done || !n.options!.every((o) => n.child(o)?.done)) break;
      n.done = true;
    }
    return { taken, whole: true, changed };
  }

  /** every schedule has run */
  get exhausted(): boolean {
    return this.root.done;
  }

  walk(): TrieWalk {
    return new TrieWalk(this.root);
  }
}

/** One run's way down the trie: where it is, and the branching decisions it took. */
export class TrieWalk {
  readonly path: BranchStep[] = [];
  /** undefined once the run left what the trie knows */
  private node: TrieNode | undefined;

  constructor(root: TrieNode) {
    this.node = root;
  }

  /** the options here whose schedules have not all run */
  fresh(options: string[]): string[] {
    const n = this.node;
    return n ? options.filter((o) => !n.child(o)?.done) : options;
  }

  /** a run arriving here (with this PCT state) can only repeat one already run */
  repeats(state: string): boolean {
    const n = this.node;
    if (n === undefined) return false;
    if (n.done || n.states?.has(state)) return true;
    const [ranking, next] = splitState(state);
    const end = n.quiet?.get(ranking);
    return end !== undefined && next > end;
  }

  take(chosen: string, options: string[], state?: string): void {
    this.path.push({ chosen, options, ...(state !== undefined ? { state } : {}) });
    this.node = this.node?.child(chosen);
  }
}

/** a path as text (the resume state keeps them): `chosen/opt|opt[/state]`, space separated; `cut`: a leading `!` */
export function encodePath(path: BranchStep[], cut = false): string {
  return (cut ? '!' : '') + path.map((s) => `${s.chosen}/${s.options.join('|')}${s.state !== undefined ? `/${s.state}` : ''}`).join(' ');
}

export function decodePath(text: string): { path: BranchStep[]; cut: boolean } {
  const cut = text.startsWith('!');
  const body = cut ? text.slice(1) : text;
  if (body === '') return { path: [], cut };
  return { cut, path: body.split(' ').map((t) => {
    const [chosen, options, state] = t.split('/');
    return { chosen: chosen!, options: options!.split('|'), ...(state !== undefined ? { state } : {}) };
  }) };
}
