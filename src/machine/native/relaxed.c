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

/* MCR p15,0,Rt,c7,CRm,opc2 (the low 12 bits of either encoding): a barrier or a D-cache clean */
static uint32_t cp15_c7_op(uint32_t low) {
  switch (low) {
  case 0xFBA: case 0xF9A: return MEM_BARRIER;      /* CP15DMB c10,5; CP15DSB c10,4 */
  case 0xF3A: case 0xF3E: return MEM_CLEAN_LINE;   /* DCCMVAC c10,1; DCCIMVAC c14,1 */
  case 0xF5A: case 0xF5E: return MEM_CLEAN_ALL;    /* DCCSW c10,2; DCCISW c14,2 (every line: we keep no sets) */
  default: return MEM_NONE;
  }
}

/* What the instruction at p means to a store buffer (ARM ARM A8.8.43 DMB, A8.8.44 DSB,
   LDREX/STREX/SWP act on visible memory; B4.2 CP15 c7). *rt: the register of a clean by MVA. */
static uint32_t memory_op(pl_core *c, const uint8_t *p, uint32_t size, uint32_t *rt) {
  if (size != 4) return MEM_NONE;
  uint32_t w = p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
  uint32_t arm = MEM_NONE, thumb = MEM_NONE, arm_rt = (w >> 12) & 15, h1 = w & 0xFFFF, h2 = w >> 16;
  if ((w & 0xFFFFFFE0) == 0xF57FF040) arm = MEM_BARRIER; /* DSB, DMB (any option) */
  else if ((w >> 28) != 0xF) {
    if ((w & 0x0FFF0000) == 0x0E070000) arm = cp15_c7_op(w & 0xFFF);
    else if ((w & 0x0F800F90) == 0x01800F90 || (w & 0x0FB00FF0) == 0x01000090) arm = MEM_BARRIER; /* LDREX*, STREX*, SWP(B) */
  }
  if (h1 == 0xF3BF && ((h2 & 0xFFE0) == 0x8F40)) thumb = MEM_BARRIER;
  else if (h1 == 0xEE07) thumb = cp15_c7_op(h2 & 0xFFF);
  else if ((h1 & 0xFFE0) == 0xE840 || ((h1 & 0xFFE0) == 0xE8C0 && (h2 & 0xC0) == 0x40)) thumb = MEM_BARRIER;
  if (arm == MEM_NONE && thumb == MEM_NONE) return MEM_NONE;
  int t = (read_cpsr(c->uc) & 0x20) != 0;
  *rt = t ? h2 >> 12 : arm_rt;
  return t ? thumb : arm;
}

/* Before an instruction of a relaxed core with buffered stores: must the run stop
   so that TypeScript drains first? (barrier with coherent entries; a clean of a
   line the core holds dirty; the buffer nearly full) */
int relaxed_stop(pl_core *c, const uint8_t *p, uint32_t size) {
  uint32_t n = c->sb_state[SB_LEN];
  if (!n) return 0;
  if (n + SB_RESERVE > SB_CAP) { c->mem_op = MEM_FULL; return 1; }
  uint32_t rt = 0, op = memory_op(c, p, size, &rt);
  if (op == MEM_BARRIER) {
    if (!c->sb_state[SB_COHERENT]) return 0;
    c->mem_op = op;
    return 1;
  }
  if (op == MEM_NONE || n == c->sb_state[SB_COHERENT]) return 0; /* no dirty lines */
  if (op == MEM_CLEAN_ALL) { c->mem_op = op; return 1; }
  uint32_t line = reg_value(c, rt) & ~31u;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t *e = sb_entry(c, i);
    uint32_t last = e[SB_ADDR] + (e[SB_META] & 0xFF) - 1;
    if ((e[SB_META] & SB_CACHED) && ((e[SB_ADDR] & ~31u) == line || (last & ~31u) == line)) {
      c->mem_op = op; c->mem_arg = line;
      return 1;
    }
  }
  return 0;
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
    c->bus->page_dirty[r->first_page + (off >> PAGE_SHIFT)] = 1;
    c->bus->page_dirty[r->first_page + ((off + size - 1) >> PAGE_SHIFT)] = 1;
    pl_written(c, global_off(r, e[SB_ADDR]), e[SB_ADDR], size);
  }
  if (!(e[SB_META] & SB_CACHED)) c->sb_state[SB_COHERENT]--;
  memmove(e, e + SB_WORDS, (size_t)(n - i - 1) * SB_WORDS * sizeof(uint32_t));
  c->sb_state[SB_LEN] = n - 1;
  return 0;
}

/* the run is over: entries are forgotten (the next reset restores RAM anyway) */
void pl_sb_clear(pl_core *c) {
  c->sb_state[SB_LEN] = c->sb_state[SB_COHERENT] = c->sb_state[SB_STORES] = c->sb_state[SB_SHOWN] = 0;
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
  c->noncoherent = noncoherent;
}
