/*
 * relaxed.c: penlab's relaxed memory model in the stepper (docs/memory-model.md):
 * per-core store buffers and a non-coherent core's private write-back cache.
 * penstep.c calls sb_buffer (a store to shared RAM), sb_show/sb_hide (a run
 * starts/ends) and relaxed_stop (before each instruction); TypeScript drains
 * through pl_sb_drain. Compiled with penstep.c by build.ts, same flags.
 */
#include "penstep.h"

/* ---- relaxed memory: store buffers and a non-coherent core's cache ----
 * (docs/memory-model.md) Engines run one at a time over one host buffer, so a
 * relaxed core's buffered stores live *in* that buffer while it runs (its own
 * loads see them; same-address stores stay in program order) and are put aside
 * while it does not: sb_hide puts the visible bytes back when its run ends,
 * sb_show puts its own back in when it next runs. pl_sb_drain (TypeScript
 * decides when: a scheduling choice) makes one entry's bytes visible for good,
 * and only then do other engines drop their translations of them. */


static inline uint32_t *sb_entry(pl_core *c, uint32_t i) { return c->sb + i * SB_WORDS; }

static int touches_shared_word(pl_bus *b, pl_region *r, uint32_t a, uint32_t size) {
  if (b->all_shared) return 1;
  uint32_t w0 = global_off(r, a) >> 2, w1 = (global_off(r, a) + size - 1) >> 2;
  for (uint32_t w = w0; w <= w1; w++)
    if (b->word_shared[w >> 3] & (1u << (w & 7))) return 1;
  return 0;
}

/* A store by a relaxed core, before it lands: buffered (1), or visible at once
   (0) when no other agent uses the word, so nobody could tell the difference. */
int sb_buffer(pl_core *c, pl_region *r, uint32_t off, uint32_t a, uint32_t size, uint64_t value) {
  uint32_t n = c->sb_state[SB_LEN];
  /* full only if one instruction stored more than SB_RESERVE times: that store is not buffered */
  if (size > 8 || n == SB_CAP || !touches_shared_word(c->bus, r, a, size)) return 0;
  uint32_t *e = sb_entry(c, n);
  e[SB_ADDR] = a;
  e[SB_META] = size | (c->noncoherent ? SB_CACHED : 0);
  e[SB_SEQ] = ++c->sb_state[SB_STORES];
  e[SB_PC] = c->cur_pc;
  e[SB_DATA] = (uint32_t)value;
  e[SB_DATA + 1] = (uint32_t)(value >> 32);
  e[SB_OLD] = e[SB_OLD + 1] = 0;
  memcpy(&e[SB_OLD], r->host + off, size);
  e[SB_GEN] = c->sb_state[SB_DMBS];
  c->sb_state[SB_LEN] = n + 1;
  if (!c->noncoherent) c->sb_state[SB_COHERENT]++;
  return 1;
}

static uint8_t *sb_host(pl_core *c, uint32_t *e) {
  pl_region *r = find(c->bus, e[SB_ADDR]);
  return r ? r->host + (e[SB_ADDR] - r->base) : NULL;
}

/* the run ends: newest first, each entry's overwritten bytes go back */
void sb_hide(pl_core *c) {
  for (uint32_t i = c->sb_state[SB_LEN]; i-- > 0;) {
    uint32_t *e = sb_entry(c, i);
    uint8_t *h = sb_host(c, e);
    if (h) memcpy(h, &e[SB_OLD], e[SB_META] & 0xFF);
  }
  c->sb_state[SB_SHOWN] = 0;
}

/* the run starts: oldest first, note what is visible now and put the core's bytes over it */
void sb_show(pl_core *c) {
  for (uint32_t i = 0; i < c->sb_state[SB_LEN]; i++) {
    uint32_t *e = sb_entry(c, i);
    uint8_t *h = sb_host(c, e);
    if (!h) continue;
    memcpy(&e[SB_OLD], h, e[SB_META] & 0xFF);
    memcpy(h, &e[SB_DATA], e[SB_META] & 0xFF);
  }
  c->sb_state[SB_SHOWN] = 1;
}

static uint32_t reg_value(pl_core *c, uint32_t rt) {
  uint32_t v = 0;
  if (rt <= 12) uc_reg_read(c->uc, UC_ARM_REG_R0 + (int)rt, &v);
  else if (rt == 13) uc_reg_read(c->uc, UC_ARM_REG_SP, &v);
  else if (rt == 14) uc_reg_read(c->uc, UC_ARM_REG_LR, &v);
  return v;
}

/* not stop reasons: what memory_op also recognises (a DMB orders without waiting; invalidations) */
enum { OP_DMB = 0x10, OP_INVAL_LINE = 0x20, OP_INVAL_ALL = 0x40 };

/* MCR p15,0,Rt,c7,CRm,opc2 (the low 12 bits of either encoding): a barrier, a D-cache clean or an
   invalidate (a clean-and-invalidate is both: the clean stop first, the invalidation when it runs) */
static uint32_t cp15_c7_op(uint32_t low) {
  switch (low) {
  case 0xFBA: return OP_DMB;                       /* CP15DMB c10,5 */
  case 0xF9A: return MEM_BARRIER;                  /* CP15DSB c10,4 */
  case 0xF3A: return MEM_CLEAN_LINE;               /* DCCMVAC c10,1 */
  case 0xF3E: return MEM_CLEAN_LINE | OP_INVAL_LINE; /* DCCIMVAC c14,1 */
  case 0xF36: return OP_INVAL_LINE;                /* DCIMVAC c6,1 */
  case 0xF5A: return MEM_CLEAN_ALL;                /* DCCSW c10,2 (every line: we keep no sets) */
  case 0xF5E: return MEM_CLEAN_ALL | OP_INVAL_ALL; /* DCCISW c14,2 */
  case 0xF56: return OP_INVAL_ALL;                 /* DCISW c6,2 */
  default: return MEM_NONE;
  }
}

/* What the instruction at p means to a store buffer (ARM ARM A8.8.43 DMB, A8.8.44 DSB,
   LDREX/STREX/SWP act on visible memory; B4.2 CP15 c7). *rt: the register of a cache op by MVA. */
static uint32_t memory_op(pl_core *c, const uint8_t *p, uint32_t size, uint32_t *rt) {
  if (size != 4) return MEM_NONE;
  uint32_t w = p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
  uint32_t arm = MEM_NONE, thumb = MEM_NONE, arm_rt = (w >> 12) & 15, h1 = w & 0xFFFF, h2 = w >> 16;
  if ((w & 0xFFFFFFF0) == 0xF57FF050) arm = OP_DMB;
  else if ((w & 0xFFFFFFF0) == 0xF57FF040) arm = MEM_BARRIER; /* DSB (any option) */
  else if ((w >> 28) != 0xF) {
    if ((w & 0x0FFF0000) == 0x0E070000) arm = cp15_c7_op(w & 0xFFF);
    else if ((w & 0x0F800F90) == 0x01800F90 || (w & 0x0FB00FF0) == 0x01000090) arm = MEM_BARRIER; /* LDREX*, STREX*, SWP(B) */
  }
  if (h1 == 0xF3BF && ((h2 & 0xFFF0) == 0x8F50)) thumb = OP_DMB;
  else if (h1 == 0xF3BF && ((h2 & 0xFFF0) == 0x8F40)) thumb = MEM_BARRIER;
  else if (h1 == 0xEE07) thumb = cp15_c7_op(h2 & 0xFFF);
  else if ((h1 & 0xFFE0) == 0xE840 || ((h1 & 0xFFE0) == 0xE8C0 && (h2 & 0xC0) == 0x40)) thumb = MEM_BARRIER;
  if (arm == MEM_NONE && thumb == MEM_NONE) return MEM_NONE;
  int t = (read_cpsr(c->uc) & 0x20) != 0;
  *rt = t ? h2 >> 12 : arm_rt;
  return t ? thumb : arm;
}

/* the oldest coherent entry: program order makes its DMB count the smallest */
static uint32_t *oldest_coherent(pl_core *c) {
  for (uint32_t i = 0; i < c->sb_state[SB_LEN]; i++)
    if (!(sb_entry(c, i)[SB_META] & SB_CACHED)) return sb_entry(c, i);
  return NULL;
}

static void lines_drop(pl_core *c, uint32_t line, int all) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < c->nlines; i++) {
    if (!all && c->line_addr[i] != line) {
      if (k != i) { c->line_addr[k] = c->line_addr[i]; memcpy(c->line_data[k], c->line_data[i], LINE_SIZE); }
      k++;
    }
  }
  c->nlines = k;
}

/* Before an instruction of a relaxed core with buffered stores or cached lines:
   must the run stop so that TypeScript drains first? (a DSB with coherent
   entries; a clean of a line the core holds dirty; the buffer nearly full).
   A DMB does not stop: it marks the entries before it (SB_GEN), which then
   drain before any after it, and it makes later shared loads wait for them
   (c->fenced). An invalidation drops the core's clean lines. */
int relaxed_stop(pl_core *c, const uint8_t *p, uint32_t size) {
  uint32_t n = c->sb_state[SB_LEN];
  if (!n && !c->nlines) return 0;
  if (n + SB_RESERVE > SB_CAP) { c->mem_op = MEM_FULL; return 1; }
  uint32_t rt = 0, op = memory_op(c, p, size, &rt);
  if (op == OP_DMB) {
    if (c->sb_state[SB_COHERENT]) c->sb_state[SB_DMBS]++;
  } else if (op == MEM_BARRIER) {
    if (c->sb_state[SB_COHERENT]) { c->mem_op = op; return 1; }
  } else if ((op & 0xF) == MEM_CLEAN_LINE || (op & 0xF) == MEM_CLEAN_ALL) {
    uint32_t clean = op & 0xF; /* the MEM_* stop; the OP_* bits above say what else */
    uint32_t line = reg_value(c, rt) & ~(LINE_SIZE - 1);
    for (uint32_t i = 0; i < n && n != c->sb_state[SB_COHERENT]; i++) {
      uint32_t *e = sb_entry(c, i);
      uint32_t last = e[SB_ADDR] + (e[SB_META] & 0xFF) - 1;
      if ((e[SB_META] & SB_CACHED) && (clean == MEM_CLEAN_ALL || (e[SB_ADDR] & ~(LINE_SIZE - 1)) == line || (last & ~(LINE_SIZE - 1)) == line)) {
        c->mem_op = clean; c->mem_arg = clean == MEM_CLEAN_LINE ? line : 0;
        return 1;
      }
    }
  }
  if (op & (OP_INVAL_LINE | OP_INVAL_ALL)) lines_drop(c, reg_value(c, rt) & ~(LINE_SIZE - 1), (op & OP_INVAL_ALL) != 0);
  uint32_t *oldest = c->sb_state[SB_COHERENT] ? oldest_coherent(c) : NULL;
  c->fenced = oldest && oldest[SB_GEN] != c->sb_state[SB_DMBS];
  return 0;
}

/* A read of [a, a+size) while a DMB separates it from buffered stores: it must not be
   performed before they are visible, so the run stops and pl_run undoes it (1). Only
   shared words: a word no other agent uses cannot tell. */
int fenced_load(pl_core *c, pl_region *r, uint32_t a, uint32_t size) {
  if (!c->fenced || c->undo_insn || !touches_shared_word(c->bus, r, a, size)) return 0;
  c->undo_insn = 1;
  c->mem_op = MEM_FENCE;
  return 1;
}

/* ---- a non-coherent core's clean lines: its loads hit them, stale or not ----
 * A core outside the coherency domain with its D-cache on fills a line on a
 * load and reads that copy until it invalidates the line (DCIMVAC, DCCIMVAC,
 * DCISW, DCCISW) or the line is evicted (LINE_CAP: the oldest fill goes). Its
 * own stores update the copy. Engines read the host buffer, so for the one
 * instruction that reads a line whose copy differs from memory, the copy is
 * put in its place (cache_read) and taken out before the next (cache_unpatch). */

static int line_index(pl_core *c, uint32_t line) {
  for (uint32_t i = 0; i < c->nlines; i++)
    if (c->line_addr[i] == line) return (int)i;
  return -1;
}

void cache_read(pl_core *c, uint32_t a, uint32_t size) {
  for (uint32_t line = a & ~(LINE_SIZE - 1); line <= ((a + size - 1) & ~(LINE_SIZE - 1)); line += LINE_SIZE) {
    pl_region *r = find(c->bus, line);
    if (!r) continue;
    uint8_t *h = r->host + (line - r->base);
    int i = line_index(c, line);
    if (i < 0) {
      if (!touches_shared_word(c->bus, r, line, LINE_SIZE)) continue;
      if (c->nlines == LINE_CAP) lines_drop(c, c->line_addr[0], 0);
      c->line_addr[c->nlines] = line;
      memcpy(c->line_data[c->nlines++], h, LINE_SIZE);
      continue;
    }
    int patched = 0;
    for (uint32_t k = 0; k < c->npatch; k++) patched |= c->patch[k].addr == line;
    if (patched || memcmp(h, c->line_data[i], LINE_SIZE) == 0 || c->npatch == PATCH_CAP) continue;
    uint32_t lo = a > line ? a - line : 0, hi = a + size < line + LINE_SIZE ? a + size - line : LINE_SIZE;
    if (memcmp(h + lo, c->line_data[i] + lo, hi - lo) != 0) {
      c->sb_state[SB_STALE]++; c->sb_state[SB_STALE_ADDR] = a; c->sb_state[SB_STALE_PC] = c->cur_pc;
    }
    c->patch[c->npatch].addr = line;
    memcpy(c->patch[c->npatch++].saved, h, LINE_SIZE);
    memcpy(h, c->line_data[i], LINE_SIZE);
  }
}

/* the core wrote [a, a+size): its copies of those lines hold the new bytes */
void cache_wrote(pl_core *c, uint32_t a, uint32_t size, uint64_t value) {
  for (uint32_t k = 0; k < size; k++) {
    int i = line_index(c, (a + k) & ~(LINE_SIZE - 1));
    if (i >= 0) c->line_data[i][(a + k) & (LINE_SIZE - 1)] = (uint8_t)(value >> (8 * k));
  }
}

/* the instruction is over: the visible bytes go back, newest patch first */
void cache_unpatch(pl_core *c) {
  while (c->npatch) {
    uint32_t k = --c->npatch;
    pl_region *r = find(c->bus, c->patch[k].addr);
    if (r) memcpy(r->host + (c->patch[k].addr - r->base), c->patch[k].saved, LINE_SIZE);
  }
}

/* Entry i becomes visible (between runs: the core's bytes are aside). Older
   entries it overlaps must have drained first (TypeScript's rule). */
int pl_sb_drain(pl_core *c, uint32_t i) {
  uint32_t n = c->sb_state[SB_LEN];
  if (i >= n || c->sb_state[SB_SHOWN]) return -1;
  uint32_t *e = sb_entry(c, i);
  pl_region *r = find(c->bus, e[SB_ADDR]);
  uint32_t size = e[SB_META] & 0xFF;
  if (r) {
    uint32_t off = e[SB_ADDR] - r->base;
    if (memcmp(r->host + off, &e[SB_DATA], size) != 0) { c->bus->epoch++; c->bus->seen_epoch++; }
    memcpy(r->host + off, &e[SB_DATA], size);
    pageset_add(&c->bus->dirty, r->first_page + (off >> PAGE_SHIFT));
    pageset_add(&c->bus->dirty, r->first_page + ((off + size - 1) >> PAGE_SHIFT));
    pl_written(c, global_off(r, e[SB_ADDR]), e[SB_ADDR], size);
  }
  if (!(e[SB_META] & SB_CACHED)) c->sb_state[SB_COHERENT]--;
  memmove(e, e + SB_WORDS, (size_t)(n - i - 1) * SB_WORDS * sizeof(uint32_t));
  c->sb_state[SB_LEN] = n - 1;
  return 0;
}

/* the run is over: entries are forgotten (the next reset restores RAM anyway) */
void pl_sb_clear(pl_core *c) {
  memset(c->sb_state, 0, sizeof c->sb_state);
  c->nlines = 0;
}

uint32_t *pl_core_sb(pl_core *c) { return c->sb; }
uint32_t *pl_core_sb_state(pl_core *c) { return c->sb_state; }

/* relaxed: stores to shared RAM are buffered; noncoherent (SCTLR.C=1, ACTLR.SMP=0):
   they are lines of a private cache, and what the store buffer held drains into it */
void pl_core_set_memory(pl_core *c, int relaxed, int noncoherent) {
  c->relaxed = relaxed;
  if (noncoherent && !c->noncoherent) {
    for (uint32_t i = 0; i < c->sb_state[SB_LEN]; i++) sb_entry(c, i)[SB_META] |= SB_CACHED;
    c->sb_state[SB_COHERENT] = 0;
  }
  if (!noncoherent || !relaxed) c->nlines = 0; /* back in the domain, or the cache off: no lookups in it */
  c->noncoherent = noncoherent;
}
