/*
 * rotate.c: round-robin turns run in C (docs/architecture.md, "Turns in
 * rotation").
 *
 * In lockstep every step is a decision, and one crossing of koffi plus the
 * scheduler's own work cost several times what Unicorn spends on the step.
 * Most of those decisions are foregone: round robin over the same ready
 * cores, each turn ending at its budget with nothing the scheduler or the
 * devices need to see. pl_rotate runs such turns back to back and writes a
 * record per turn; TypeScript applies the records afterwards (or at once, if
 * a device callback runs in the middle) exactly as it would after each
 * separate run.
 *
 * The rotation ends after the first turn that is not plain: one that stopped
 * before its budget (a trap, a device, an error), one that touched code
 * while someone watches fetches (it wrote a chunk an engine translated, or
 * ran a chunk written this run: the only turns where the detectors can find
 * a clobber or stale code, and a hazard ends the run), or took the whole-state
 * hash while memory was as at that core's previous hash (livelock detection
 * may find the state repeated there, and a repeating core is passed over),
 * or before a turn with no room left (the step limit, the record buffer,
 * the core's log when TypeScript wants instructions and accesses logged: each
 * core's log then holds all its turns, and each record says where its own
 * begins and ends), or when TypeScript halts it (a hazard ends the run).
 * The last turn's results stay in its core's out[] for the turn runner to
 * finish. A hash taken after memory changed only starts afresh the set of
 * states seen, so the rotation goes on and the record carries the hash and
 * the epoch for TypeScript to note.
 */
#include "penstep.h"

int pl_run(pl_core *c, uint32_t budget, uint32_t flags, uint32_t until);

static pl_core *core_by_id(pl_bus *b, uint32_t id) {
  for (int i = 0; i < b->ncores; i++)
    if ((uint32_t)b->cores[i]->id == id) return b->cores[i];
  return NULL;
}

/* the next core of `ready` (a bit per core id) after `last`, wrapping round */
static uint32_t next_after(uint32_t ready, uint32_t last) {
  for (uint32_t id = last + 1; id < MAX_CORES; id++)
    if (ready & (1u << id)) return id;
  for (uint32_t id = 0; id < MAX_CORES; id++)
    if (ready & (1u << id)) return id;
  return 0;
}

/*
 * Turns of `quantum` steps over the cores in `ready`, starting after `last`
 * (MAX_CORES or more: none yet), at most `max_steps` steps in all. Per core,
 * the hash tick (b->rot.ticks) says which of its runs takes the state hash,
 * as turn.ts counts them, and b->rot.epochs the epoch of its last hash
 * (TypeScript's livelock state: set before, read back after). Returns the
 * number of records in b->rot.rec.
 */
uint32_t pl_rotate(pl_bus *b, uint32_t ready, uint32_t last, uint32_t quantum, uint32_t max_steps, uint32_t flags) {
  pl_rotation *r = &b->rot;
  r->n = 0;
  r->steps = 0;
  r->halt = 0;
  if (!ready || !quantum) return 0;
  /* each core's log holds all its turns of the rotation, in order */
  for (int i = 0; i < b->ncores; i++) b->cores[i]->log_len = 0;
  int logging = (flags & (F_LOG_FETCH | F_LOG_ACCESS | F_LOG_REGS)) != 0;
  while (r->n < ROT_CAP && r->steps + quantum <= max_steps && !r->halt) {
    uint32_t id = next_after(ready, last);
    pl_core *c = core_by_id(b, id);
    if (!c) break;
    /* a turn whose log might not fit waits for the next rotation (its log starts afresh) */
    if (logging && c->log_len + quantum * LOG_RESERVE > c->log_cap) break;
    last = id;
    uint32_t tick = r->ticks[id] = (r->ticks[id] + 1) & 15;
    uint32_t hash = tick == 0 ? F_HASH : 0;
    /* the core and where its log begins are there before the turn runs: a device callback reads them */
    uint32_t *rec = &r->rec[r->n * ROT_WORDS];
    rec[ROT_CORE] = id;
    rec[ROT_LOG_START] = c->log_len;
    r->core = id;
    int e = pl_run(c, quantum, flags | hash | F_APPEND, 1);
    uint32_t *o = c->out;
    rec[ROT_RETIRED] = o[O_RETIRED];
    rec[ROT_WROTE] = o[O_SEEN_WRITES] ? 1 : 0;
    rec[ROT_PC] = o[O_PC];
    rec[ROT_CPSR] = o[O_CPSR];
    rec[ROT_HASH_LO] = hash ? o[O_HASH_LO] : 0;
    rec[ROT_HASH_HI] = hash ? o[O_HASH_HI] : 0;
    rec[ROT_EPOCH] = b->epoch;
    rec[ROT_LOG_END] = c->log_len;
    r->n++;
    r->steps += o[O_RETIRED];
    /* watched by the detectors (a fetch log), a turn that touched code may hold a hazard: the run may end there */
    int plain = !e && o[O_REASON] == STOP_BUDGET && o[O_RETIRED] == quantum && !((flags & F_LOG_FETCH) && c->code_touched);
    if (hash) {
      rec[ROT_CORE] |= ROT_HASHED;
      if (r->epochs[id] == b->epoch) plain = 0; /* its state may have repeated: TypeScript decides */
      r->epochs[id] = b->epoch;
    }
    if (!plain) {
      rec[ROT_CORE] |= ROT_LAST;
      break;
    }
  }
  r->core = ROT_NONE;
  return r->n;
}

/* the rotation's state, for TS to view once: 0 the records, 1 the hash ticks, 2 the hash epochs,
   3 the core running now, the steps and the count of the finished turns, and the halt word */
void *pl_bus_rotation(pl_bus *b, int part) {
  pl_rotation *r = &b->rot;
  return part == 0 ? (void *)r->rec : part == 1 ? (void *)r->ticks : part == 2 ? (void *)r->epochs : (void *)&r->core;
}
