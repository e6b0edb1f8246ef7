/*
 * penstep: the hot path of a penlab core, in C.
 *
 * Why C at all: crossing koffi costs more than Unicorn's own work per
 * instruction (docs/architecture.md, "One native call per turn"), and a per-instruction JS
 * hook costs more still. So one native call runs a core for up to N
 * instructions and hands back, in a buffer TypeScript reads without another
 * crossing, everything the machine needs: how many instructions retired (our
 * own count, never Unicorn's), why it stopped, and an ordered log of fetches
 * and RAM accesses. Every *decision* (which core next, what a trapped
 * instruction does, when an IRQ is taken) stays in TypeScript.
 *
 * A run stops *before* an instruction Unicorn cannot model on a multi-core
 * board (MRC MPIDR, WFE, WFI, SEV, YIELD, SVC: "traps"), and *after* an instruction
 * that touched a device or a RAM word TypeScript marked shared, so a scheduler can
 * switch cores exactly where another core could observe a difference.
 *
 * It also tells a core's progress from its waiting: per RAM word it keeps
 * which cores have read it in this run, and counts a write as one others can
 * see (O_SEEN_WRITES, the seen epoch) only if it changes a word another core
 * has read, a word TypeScript marked shared, or code another engine has
 * translated. A wait that advances a counter on its own stack is still a wait.
 *
 * It also keeps the shared bus coherent for code: Unicorn engines do not see
 * each other's writes in their translation caches, so a write to a 16-byte
 * chunk that another engine has translated queues the written range for
 * removal from that engine's cache before it next runs (per chunk, not per
 * page: data beside code must not throw the other engine's code away).
 *
 * The C/TypeScript interface is the enums below; pl_layout() hands them to
 * native.ts, which refuses a library whose numbers differ from its own.
 */
#include "penstep.h"


static const int reg_ids[NREGS] = {
  UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4,
  UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7, UC_ARM_REG_R8, UC_ARM_REG_R9,
  UC_ARM_REG_R10, UC_ARM_REG_R11, UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR,
  UC_ARM_REG_CPSR,
};

static void read_regs(pl_core *c, uint32_t *dst) {
  void *ptrs[NREGS];
  for (int i = 0; i < NREGS; i++) { dst[i] = 0; ptrs[i] = &dst[i]; }
  uc_reg_read_batch(c->uc, (int *)reg_ids, ptrs, NREGS);
}

/* log the registers that changed since the last snapshot: the effects of the
   instruction retired last (called before the next one, and when a run ends) */
static void log_reg_deltas(pl_core *c) {
  uint32_t now[NREGS];
  read_regs(c, now);
  for (int i = 0; i < NREGS; i++)
    if (now[i] != c->regs[i]) { log3(c, EV_REG | ((uint32_t)i << 8), 0, now[i]); c->regs[i] = now[i]; }
}


/*
 * Which trap, if any, the instruction at p is. ARM and Thumb-2 encodings can
 * collide in a 4-byte word, so CPSR.T is read only when a candidate matches.
 */
static uint32_t classify(pl_core *c, const uint8_t *p, uint32_t size, uint32_t *word) {
  if (size == 2) {
    uint32_t h = p[0] | (p[1] << 8);
    *word = h;
    if (h == 0xBF20) return TRAP_WFE;
    if (h == 0xBF30) return TRAP_WFI;
    if (h == 0xBF40) return TRAP_SEV;
    if (h == 0xBF10) return TRAP_YIELD;
    if ((h & 0xFF00) == 0xDF00) return TRAP_SVC;
    return TRAP_NONE;
  }
  uint32_t w = p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
  uint32_t arm = TRAP_NONE, thumb = TRAP_NONE;
  if ((w >> 28) != 0xF) {
    if ((w & 0x0FFF0FFF) == 0x0E100FB0) arm = TRAP_MPIDR;
    else if ((w & 0x0FFFFFFF) == 0x0320F002) arm = TRAP_WFE;
    else if ((w & 0x0FFFFFFF) == 0x0320F003) arm = TRAP_WFI;
    else if ((w & 0x0FFFFFFF) == 0x0320F004) arm = TRAP_SEV;
    else if ((w & 0x0FFFFFFF) == 0x0320F001) arm = TRAP_YIELD;
    else if ((w & 0x0F000000) == 0x0F000000) arm = TRAP_SVC;
    else if ((w & 0x0FFF0FFF) == 0x0E110F30 || (w & 0x0FFF0FFF) == 0x0E010F30 || (w & 0x0FFF0FFF) == 0x0E010F10) arm = TRAP_CP15;
  }
  uint32_t h1 = w & 0xFFFF, h2 = w >> 16;
  if (h1 == 0xEE10 && (h2 & 0x0FFF) == 0x0FB0) thumb = TRAP_MPIDR;
  else if (h1 == 0xF3AF && h2 == 0x8002) thumb = TRAP_WFE;
  else if (h1 == 0xF3AF && h2 == 0x8003) thumb = TRAP_WFI;
  else if (h1 == 0xF3AF && h2 == 0x8004) thumb = TRAP_SEV;
  else if (h1 == 0xF3AF && h2 == 0x8001) thumb = TRAP_YIELD;
  else if ((h1 == 0xEE11 || h1 == 0xEE01) && ((h2 & 0x0FFF) == 0x0F30 || (h1 == 0xEE01 && (h2 & 0x0FFF) == 0x0F10))) thumb = TRAP_CP15;
  if (arm == TRAP_NONE && thumb == TRAP_NONE) return TRAP_NONE;
  *word = w;
  return (read_cpsr(c->uc) & 0x20) ? thumb : arm;
}


static inline void mark_exec(pl_core *c, pl_region *r, uint32_t a) {
  uint32_t g = global_off(r, a);
  uint32_t pg = g >> PAGE_SHIFT, ch = g >> CHUNK_SHIFT;
  c->exec_chunks[ch >> 3] |= (uint8_t)(1u << (ch & 7));
  c->exec_pages[pg] = 1;
}


/* A translation block starts: every chunk it covers is translated now, even
   the instructions a stop will keep it from reaching (QEMU translates up to a
   branch or the page end, whatever our hooks then let run). */
static void on_block(uc_engine *uc, uint64_t address, uint32_t size, void *ud) {
  pl_core *c = ud;
  uint32_t a = (uint32_t)address, end = a + (size ? size : 1);
  for (uint32_t x = a & ~((1u << CHUNK_SHIFT) - 1); x < end; x += 1u << CHUNK_SHIFT) {
    pl_region *r = find(c->bus, x);
    if (!r) continue;
    mark_exec(c, r, x);
    uint32_t ch = global_off(r, x) >> CHUNK_SHIFT;
    if (c->bus->chunk_written[ch >> 3] & (1u << (ch & 7))) c->code_touched = 1;
  }
}

/* Unicorn calls this when it generates a translation block: the engine's
   translation buffer only ever grows (removed blocks stay until it is full),
   so this count tells the machine when to reopen the engine. */
static void on_tb_generated(uc_engine *uc, uc_tb *cur, uc_tb *prev, void *ud) {
  pl_core *c = ud;
  c->translated += cur->size;
  c->tbs++;
}

static void on_code(uc_engine *uc, uint64_t address, uint32_t size, void *ud) {
  pl_core *c = ud;
  uint32_t a = (uint32_t)address;
  if (c->npatch) cache_unpatch(c); /* the last instruction read stale lines: memory as it is again */
  pl_region *r = find(c->bus, a);
  /* mark first: this engine now holds a translation of the page even if we
     stop before the instruction retires */
  if (r) {
    mark_exec(c, r, a);
    if (((a + size - 1) >> PAGE_SHIFT) != (a >> PAGE_SHIFT)) {
      pl_region *r2 = find(c->bus, a + size - 1);
      if (r2) mark_exec(c, r2, a + size - 1);
    }
  }
  if ((c->flags & F_LOG_REGS) && c->retired) log_reg_deltas(c);
  if (c->stop_after) { c->reason = c->stop_after; uc_emu_stop(uc); return; }
  if (c->retired >= c->budget) { c->reason = STOP_BUDGET; uc_emu_stop(uc); return; }
  if (a == c->until) { c->reason = STOP_UNTIL; uc_emu_stop(uc); return; }
  if (c->log_len + LOG_RESERVE > c->log_cap) { c->reason = STOP_LOG_FULL; uc_emu_stop(uc); return; }
  c->cur_pc = a;
  c->fenced = 0;
  if (c->relaxed && r && a - r->base + size <= r->size && relaxed_stop(c, r->host + (a - r->base), size)) {
    c->reason = STOP_MEMORY; uc_emu_stop(uc); return;
  }
  if (r && a - r->base + size <= r->size) {
    const uint8_t *p = r->host + (a - r->base);
    uint32_t word = 0, t = classify(c, p, size, &word);
    if (t) { c->trap = t; c->trap_word = word; c->trap_size = size; c->reason = STOP_TRAP; uc_emu_stop(uc); return; }
    /* MCR to SCTLR (ARM, or Thumb-2 T1): SCTLR.A may change, so the run ends after it and the next one re-reads it */
    if (size == 4) {
      uint32_t w = p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
      if ((w & 0x0FFF0FFF) == 0x0E010F10 || ((w & 0xFFFF) == 0xEE01 && ((w >> 16) & 0x0FFF) == 0x0F10)) c->stop_after = STOP_SCTLR;
    }
  }
  /* a load may have to be undone: a misaligned one (SCTLR.A), or one a DMB makes wait */
  if ((c->flags & F_ALIGN) || c->fenced) { uc_context_save(uc, c->before); c->insn_log = c->log_len; }
  if ((c->flags & F_IRQ_WATCH) && !(read_cpsr(uc) & 0x80)) {
    c->reason = STOP_IRQ; uc_emu_stop(uc); return;
  }
  if (c->flags & F_LOG_FETCH) {
    /* the bytes as fetched: the run may overwrite them before TS reads the log */
    uint32_t w = 0;
    if (r && a - r->base + size <= r->size) memcpy(&w, r->host + (a - r->base), size > 4 ? 4 : size);
    log3(c, EV_FETCH | (size << 8), a, w);
  }
  c->out[O_RETIRED] = ++c->retired;
}

/* core o must not run translations of [a, a+len) made before now */
static void queue_stale(pl_core *o, uint32_t a, uint32_t len) {
  if (o->stale_all) return;
  if (o->nstale) {
    uint32_t i = o->nstale - 1;
    if (a >= o->stale[i].start && a <= o->stale[i].end) { /* extends the last range: a copy loop */
      if (a + len > o->stale[i].end) o->stale[i].end = a + len;
      return;
    }
  }
  if (o->nstale == STALE_CAP) { o->stale_all = 1; return; }
  o->stale[o->nstale].start = a;
  o->stale[o->nstale].end = a + len;
  o->nstale++;
}

/* a write to [g, g+size) of RAM (global offsets) at address a: its chunks are written this run,
   other engines that translated it drop it, and writing a chunk any engine (this one too)
   translated touches code (rotate.c). Returns whether another engine had: another core ran that code. */
int pl_written(pl_core *c, uint32_t g, uint32_t a, uint32_t size) {
  pl_bus *b = c->bus;
  uint32_t first = g >> CHUNK_SHIFT, last = (g + size - 1) >> CHUNK_SHIFT;
  int hit = 0;
  for (uint32_t ch = first; ch <= last; ch++) b->chunk_written[ch >> 3] |= (uint8_t)(1u << (ch & 7));
  for (int i = 0; i < b->ncores; i++) {
    pl_core *o = b->cores[i];
    for (uint32_t ch = first; ch <= last; ch++) {
      if (!(o->exec_chunks[ch >> 3] & (1u << (ch & 7)))) continue;
      c->code_touched = 1;
      if (o != c) { queue_stale(o, a, size); hit = 1; } /* an engine sees its own writes to code */
      break;
    }
  }
  return hit;
}

/* core c read the words of [g, g+size) (global offsets) */
static inline void note_readers(pl_core *c, uint32_t g, uint32_t size) {
  pl_bus *b = c->bus;
  uint8_t me = (uint8_t)(1u << c->id);
  for (uint32_t w = g >> 2; w <= (g + size - 1) >> 2; w++) {
    if (b->word_readers[w] & me) continue;
    b->word_readers[w] |= me;
    pageset_add(&b->readers, w >> (PAGE_SHIFT - 2));
  }
}

/* another core could see a change to [g, g+size): it read a word of it, or TS marked one shared */
static inline int seen_by_others(pl_core *c, uint32_t g, uint32_t size) {
  pl_bus *b = c->bus;
  uint8_t others = (uint8_t)~(1u << c->id);
  for (uint32_t w = g >> 2; w <= (g + size - 1) >> 2; w++) {
    if (b->word_readers[w] & others) return 1;
    if (!b->all_shared && word_bit(b->word_shared, w)) return 1;
  }
  return 0;
}

static void on_mem(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
                   int64_t value, void *ud) {
  pl_core *c = ud;
  pl_bus *b = c->bus;
  uint32_t a = (uint32_t)address;
  pl_region *r = find(b, a);
  if (!r) { c->stop_after = STOP_MMIO; return; } /* a device: others may see it */
  uint32_t off = a - r->base;
  if (off + (uint32_t)size > r->size) return; /* straddles the end: Unicorn faults it */
  if ((c->flags & F_ALIGN) && (a & ((uint32_t)size - 1)) && !c->fault_addr) {
    /* an alignment fault: the instruction completes in the engine, so pl_run
       puts back the registers and these bytes before reporting it */
    c->fault_addr = a; c->fault_write = type == UC_MEM_WRITE; c->stop_after = STOP_ALIGN;
    if (c->fault_write) { c->undo_addr = a; c->undo_size = (uint32_t)size > 8 ? 8 : (uint32_t)size; memcpy(c->undo, r->host + off, c->undo_size); }
  }
  uint32_t pg = r->first_page + (off >> PAGE_SHIFT);
  uint32_t pg_end = r->first_page + ((off + size - 1) >> PAGE_SHIFT);
  c->last_addr = a;
  c->last_size = (uint32_t)size;
  c->last_write = type == UC_MEM_WRITE;
  uint32_t g = global_off(r, a);
  if (type == UC_MEM_WRITE && c->nlines) cache_wrote(c, a, (uint32_t)size, (uint64_t)value);
  if (type == UC_MEM_WRITE && c->relaxed && sb_buffer(c, r, off, a, (uint32_t)size, (uint64_t)value)) {
    /* buffered: nobody else sees it yet (its drain counts as the change others see) */
    pageset_add(&b->dirty, pg);
    pageset_add(&b->dirty, pg_end);
    c->last_value = (uint32_t)value;
    if (c->flags & F_LOG_ACCESS) log3(c, EV_WRITE | ((uint32_t)size << 8), a, (uint32_t)value);
  } else if (type == UC_MEM_WRITE) {
    pageset_add(&b->dirty, pg);
    pageset_add(&b->dirty, pg_end);
    int ran = pl_written(c, g, a, (uint32_t)size);
    uint64_t v = (uint64_t)value;
    if (memcmp(r->host + off, &v, (size_t)size) != 0) {
      b->epoch++;
      /* progress is a change another core can see; a counter on our own stack is not */
      if (ran || seen_by_others(c, g, (uint32_t)size)) { b->seen_epoch++; c->seen_writes++; }
    }
    c->last_value = (uint32_t)v;
    if (c->flags & F_LOG_ACCESS) log3(c, EV_WRITE | ((uint32_t)size << 8), a, (uint32_t)v);
  } else {
    /* relaxed: a load a DMB orders after buffered stores waits (the run stops, this load is undone);
       a non-coherent core reads its own copy of the line */
    if (c->relaxed && fenced_load(c, r, a, (uint32_t)size)) c->stop_after = STOP_MEMORY;
    if (c->noncoherent) cache_read(c, a, (uint32_t)size);
    uint32_t v = 0;
    memcpy(&v, r->host + off, size > 4 ? 4 : (size_t)size);
    c->last_value = v;
    note_readers(c, g, (uint32_t)size);
    if (c->flags & F_LOG_ACCESS) log3(c, EV_READ | ((uint32_t)size << 8), a, v);
  }
  if (c->flags & F_STOP_SHARED) {
    uint32_t w0 = g >> 2, w1 = (g + size - 1) >> 2;
    if ((b->all_shared || word_bit(b->word_shared, w0) || word_bit(b->word_shared, w1)) && !c->undo_insn)
      c->stop_after = STOP_SHARED;
  }
}

static bool on_bad(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
                   int64_t value, void *ud) {
  pl_core *c = ud;
  c->bad_addr = (uint32_t)address;
  c->bad_type = (uint32_t)type;
  return false;
}

static void on_intr(uc_engine *uc, uint32_t intno, void *ud) {
  pl_core *c = ud;
  c->intno = intno;
  c->reason = STOP_INTR;
  uc_emu_stop(uc);
}

/* ---- bus ---- */

void *pl_alloc(uint32_t size) {
  /* anonymous mappings are zero-filled and committed page by page on first
     touch, so 32 MiB of SRAM nobody uses costs nothing */
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void pl_free(void *p, uint32_t size) { if (p) munmap(p, size); }

pl_bus *pl_bus_new(void) {
  pl_bus *b = calloc(1, sizeof(pl_bus));
  if (b) b->rot.core = ROT_NONE;
  return b;
}

static void pageset_free(pl_pageset *s) {
  free(s->on); free(s->list);
  s->on = NULL; s->list = NULL; s->n = 0;
}

static int pageset_alloc(pl_pageset *s, uint32_t npages) {
  s->on = calloc(npages, 1);
  s->list = calloc(npages, sizeof(uint32_t));
  s->n = 0;
  return s->on && s->list ? 0 : -1;
}

/* regions must all be added before the first core is opened */
int pl_bus_add_ram(pl_bus *b, uint32_t base, uint32_t size, void *host) {
  if (b->nr == MAX_REGIONS || b->ncores) return -1;
  pl_region *r = &b->r[b->nr++];
  r->base = base; r->size = size; r->host = host; r->first_page = b->npages;
  b->npages += size >> PAGE_SHIFT;
  free(b->word_shared); free(b->chunk_written); pageset_free(&b->dirty); pageset_free(&b->readers);
  pl_free(b->word_readers, (b->npages - (size >> PAGE_SHIFT)) << (PAGE_SHIFT - 2));
  b->word_shared = calloc((size_t)b->npages << (PAGE_SHIFT - 5), 1);
  b->chunk_written = calloc((size_t)b->npages << (PAGE_SHIFT - CHUNK_SHIFT - 3), 1);
  b->all_shared = 1;
  /* a byte per word of all RAM, committed only where cores read */
  b->word_readers = pl_alloc(b->npages << (PAGE_SHIFT - 2));
  int ok = pageset_alloc(&b->dirty, b->npages) == 0 && pageset_alloc(&b->readers, b->npages) == 0;
  return b->word_readers && b->word_shared && b->chunk_written && ok ? 0 : -1;
}

uint32_t pl_bus_npages(pl_bus *b) { return b->npages; }
uint8_t *pl_bus_word_shared(pl_bus *b) { return b->word_shared; }
uint8_t *pl_bus_chunk_written(pl_bus *b) { return b->chunk_written; }
void pl_bus_set_all_shared(pl_bus *b, int all) { b->all_shared = all; }
/* the two page sets, for TS to view: which = 0 the dirty pages, 1 the pages with reader bits;
   part = 0 the flags, 1 the list, 2 its length */
void *pl_bus_pageset(pl_bus *b, int which, int part) {
  pl_pageset *s = which ? &b->readers : &b->dirty;
  return part == 0 ? (void *)s->on : part == 1 ? (void *)s->list : (void *)&s->n;
}
uint32_t *pl_bus_epoch_ptr(pl_bus *b) { return &b->epoch; }
/* machine snapshots save and restore who read which word (the reader pages say where to look) */
uint8_t *pl_bus_word_readers(pl_bus *b) { return b->word_readers; }
uint32_t *pl_bus_seen_epoch_ptr(pl_bus *b) { return &b->seen_epoch; }
void pl_bus_bump(pl_bus *b) { b->epoch++; b->seen_epoch++; }

/* a new run: no core has read anything yet */
void pl_bus_forget_readers(pl_bus *b) {
  pl_pageset *s = &b->readers;
  for (uint32_t i = 0; i < s->n; i++) {
    uint32_t pg = s->list[i];
    memset(b->word_readers + ((size_t)pg << (PAGE_SHIFT - 2)), 0, 1u << (PAGE_SHIFT - 2));
    s->on[pg] = 0;
  }
  s->n = 0;
}

/* the host wrote [a, a+len): no engine may keep translating the old bytes.
   Only the 16-byte chunks an engine translated are queued, so a reset that
   puts back one data word beside code does not throw that code away. */
void pl_bus_host_wrote(pl_bus *b, uint32_t a, uint32_t len) {
  if (!len) return;
  for (uint64_t x = a & ~((1u << CHUNK_SHIFT) - 1); x < (uint64_t)a + len; x += 1u << CHUNK_SHIFT) {
    pl_region *r = find(b, (uint32_t)x);
    if (!r) continue;
    uint32_t g = global_off(r, (uint32_t)x);
    uint32_t pg = g >> PAGE_SHIFT, ch = g >> CHUNK_SHIFT;
    for (int i = 0; i < b->ncores; i++) {
      pl_core *o = b->cores[i];
      if (o->exec_pages[pg] && (o->exec_chunks[ch >> 3] & (1u << (ch & 7))))
        queue_stale(o, (uint32_t)x, 1u << CHUNK_SHIFT);
    }
  }
  b->epoch++;
  b->seen_epoch++;
}

void pl_bus_free(pl_bus *b) {
  if (!b) return;
  free(b->word_shared); free(b->chunk_written); pageset_free(&b->dirty); pageset_free(&b->readers);
  pl_free(b->word_readers, b->npages << (PAGE_SHIFT - 2));
  free(b);
}

/* ---- cores ---- */

/* returns a uc_err; *out_core is set on success */
int pl_core_open(pl_bus *b, int id, uint32_t cpu_model, uint32_t *log, uint32_t log_cap,
                 pl_core **out_core) {
  *out_core = NULL;
  if (b->ncores == MAX_CORES || id < 0 || id >= MAX_CORES) return UC_ERR_ARG;
  pl_core *c = calloc(1, sizeof(pl_core));
  c->bus = b; c->id = id; c->log = log; c->log_cap = log_cap; c->out = c->out_buf;
  c->exec_pages = calloc(b->npages ? b->npages : 1, 1);
  c->exec_chunks = calloc(b->npages ? (size_t)b->npages << (PAGE_SHIFT - CHUNK_SHIFT - 3) : 1, 1);
  uc_err e = uc_open(UC_ARCH_ARM, UC_MODE_ARM, &c->uc);
  if (e) goto fail;
  /* the CPU model must be chosen before anything else touches the engine */
  e = uc_ctl(c->uc, UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1), (int)cpu_model);
  if (e) goto fail;
  /* runs end only by uc_emu_stop from our hooks, never at an `until` address: with exits
     enabled and none set, uc_emu_start no longer invalidates a translation at the unused
     until - 1 on its way out (a code-TLB fill of an unmapped page on every call). Only speed
     depends on it: an engine that refuses it runs the same, slower */
  (void)uc_ctl(c->uc, UC_CTL_WRITE(UC_CTL_UC_USE_EXITS, 1), 1);
  for (int i = 0; i < b->nr; i++) {
    e = uc_mem_map_ptr(c->uc, b->r[i].base, b->r[i].size, UC_PROT_ALL, b->r[i].host);
    if (e) goto fail;
  }
  e = uc_hook_add(c->uc, &c->h_code, UC_HOOK_CODE, (void *)on_code, c, 1, 0);
  if (!e) e = uc_hook_add(c->uc, &c->h_block, UC_HOOK_BLOCK, (void *)on_block, c, 1, 0);
  if (!e) e = uc_hook_add(c->uc, &c->h_edge, UC_HOOK_EDGE_GENERATED, (void *)on_tb_generated, c, 1, 0);
  if (!e) e = uc_hook_add(c->uc, &c->h_mem, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)on_mem, c, 1, 0);
  if (!e) e = uc_hook_add(c->uc, &c->h_bad, UC_HOOK_MEM_INVALID, (void *)on_bad, c, 1, 0);
  if (!e) e = uc_hook_add(c->uc, &c->h_intr, UC_HOOK_INTR, (void *)on_intr, c, 1, 0);
  if (!e) e = uc_context_alloc(c->uc, &c->before);
  if (e) goto fail;
  b->cores[b->ncores++] = c;
  *out_core = c;
  return UC_ERR_OK;
fail:
  if (c->uc) uc_close(c->uc);
  free(c->exec_pages); free(c->exec_chunks); free(c);
  return e;
}

uc_engine *pl_core_uc(pl_core *c) { return c->uc; }
/* the core's out[]: TS reads it in place, so a run passes no buffer across */
uint32_t *pl_core_out(pl_core *c) { return c->out_buf; }

/* translation blocks generated since the engine opened (the buffer's growth) */
uint32_t pl_core_tbs(pl_core *c) { return (uint32_t)c->tbs; }
uint32_t pl_core_translated(pl_core *c) { return (uint32_t)(c->translated > 0xFFFFFFFFu ? 0xFFFFFFFFu : c->translated); }

void pl_core_close(pl_core *c) {
  if (!c) return;
  pl_bus *b = c->bus;
  for (int i = 0; i < b->ncores; i++)
    if (b->cores[i] == c) { b->cores[i] = b->cores[--b->ncores]; break; }
  if (c->before) uc_context_free(c->before);
  uc_close(c->uc);
  free(c->exec_pages); free(c->exec_chunks); free(c);
}

static void remove_tbs(pl_core *c, uint64_t start, uint64_t end) {
  uc_ctl(c->uc, UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2), start, end);
}

static void drop_stale(pl_core *c) {
  pl_bus *b = c->bus;
  if (c->stale_all) {
    for (int j = 0; j < b->nr; j++) {
      pl_region *r = &b->r[j];
      for (uint32_t p = 0; p < (r->size >> PAGE_SHIFT); p++)
        if (c->exec_pages[r->first_page + p]) {
          uint64_t start = r->base + ((uint64_t)p << PAGE_SHIFT);
          remove_tbs(c, start, start + (1u << PAGE_SHIFT));
        }
    }
  } else {
    for (uint32_t i = 0; i < c->nstale; i++) remove_tbs(c, c->stale[i].start, c->stale[i].end);
  }
  c->nstale = 0;
  c->stale_all = 0;
}

static void state_hash(pl_core *c, uint32_t *out) {
  static const int regs[] = {
    UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4,
    UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7, UC_ARM_REG_R8, UC_ARM_REG_R9,
    UC_ARM_REG_R10, UC_ARM_REG_R11, UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR,
    UC_ARM_REG_PC, UC_ARM_REG_CPSR, UC_ARM_REG_SPSR,
  };
  /* FNV-1a's scheme a word at a time, with a shift to fold the high bits back: only equality
     matters (a repeated state), and a multiply per byte showed in lockstep profiles */
  enum { N = sizeof regs / sizeof regs[0] };
  uint32_t v[N] = { 0 };
  void *ptrs[N];
  for (unsigned i = 0; i < N; i++) ptrs[i] = &v[i];
  uc_reg_read_batch(c->uc, (int *)regs, ptrs, N);
  uint64_t h = 1469598103934665603ull;
  for (unsigned i = 0; i < N; i++) {
    h = (h ^ v[i]) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
  }
  out[O_HASH_LO] = (uint32_t)h;
  out[O_HASH_HI] = (uint32_t)(h >> 32);
}

/*
 * Never-written RAM is zeros, and a zero word in ARM state is
 * `andeq r0, r0, r0`: whether or not EQ holds it changes nothing but the PC.
 * Unicorn would translate a fresh block at every step there (a lockstep turn
 * is one instruction, each at a new PC, and a block runs on to the end of the
 * page: ~0.3 ms and kilobytes of host code a step), so zero words are
 * retired here, with the same stops and fetch log as on_code gives them.
 * Thumb's zero halfword is `movs r0, r0` outside an IT block: N and Z from
 * r0 (which it never changes), C and V kept, so only the first one can change
 * CPSR; inside an IT block it is left to Unicorn.
 */
static uint32_t skip_zeros(pl_core *c, uint32_t pc, uint32_t *cpsr_io) {
  uint32_t cpsr = *cpsr_io;
  int thumb = (cpsr & 0x20) != 0;
  if ((c->flags & F_IRQ_WATCH) || (thumb ? (cpsr & 0x0600FC00) != 0 : (pc & 3) != 0)) return pc;
  uint32_t size = thumb ? 2 : 4;
  int flags_set = !thumb;
  pl_region *r = find(c->bus, pc);
  while (r && pc - r->base + size <= r->size && c->retired < c->budget && pc != c->until
         && c->log_len + LOG_RESERVE <= c->log_cap) {
    /* a whole-word load: a byte copy into w stalled on store forwarding at every step */
    const uint8_t *at = r->host + (pc - r->base);
    uint32_t w;
    if (thumb) { uint16_t h; memcpy(&h, at, 2); w = h; } else memcpy(&w, at, 4);
    if (w != 0) break;
    if (c->flags & F_LOG_FETCH) log3(c, EV_FETCH | (size << 8), pc, 0);
    c->out[O_RETIRED] = ++c->retired;
    if (!flags_set) {
      uint32_t r0 = 0;
      uc_reg_read(c->uc, UC_ARM_REG_R0, &r0);
      uint32_t now = (cpsr & 0x3FFFFFFFu) | (r0 & 0x80000000u) | (r0 == 0 ? 0x40000000u : 0);
      if (now != cpsr) {
        uc_reg_write(c->uc, UC_ARM_REG_CPSR, &now);
        cpsr = *cpsr_io = now;
        /* the register delta belongs to this instruction (index 15: cpsr, as reg_ids lists it) */
        if (c->flags & F_LOG_REGS) { log3(c, EV_REG | (15u << 8), 0, now); c->regs[15] = now; }
      }
      flags_set = 1;
    }
    pc += size;
  }
  return pc;
}

/* a saved register context goes back: SCTLR may differ */
int pl_context_restore(pl_core *c, uc_context *ctx) {
  c->sctlr_known = 0;
  c->pc_known = 0;
  return uc_context_restore(c->uc, ctx);
}

/* run core c for at most `budget` instructions, stopping before `until`
   (1 = never: no instruction is at an odd address); out[] (given at open) as the enums above.
   Only scalars cross per call: this is the call lockstep makes once per step. */
int pl_run(pl_core *c, uint32_t budget, uint32_t flags, uint32_t until) {
  uint32_t *out = c->out;
  if (c->nstale || c->stale_all) drop_stale(c);
  c->last_addr = c->last_size = c->last_value = c->last_write = c->seen_writes = 0;
  if (!(flags & F_APPEND)) c->log_len = 0;
  out[O_RETIRED] = 0;
  out[O_LOG_LEN] = c->log_len;
  c->budget = budget; c->flags = flags; c->until = until; c->retired = 0; c->stop_after = 0;
  c->reason = STOP_BUDGET; c->trap = 0; c->trap_word = 0;
  c->bad_addr = 0; c->bad_type = 0; c->intno = 0; c->mem_op = 0; c->mem_arg = 0;
  c->undo_insn = 0; c->fenced = 0; c->code_touched = 0;
  if (c->sb_state[SB_LEN]) sb_show(c);
  c->fault_addr = 0; c->fault_write = 0; c->undo_size = 0;
  /* SCTLR.A can only change at an MCR, which ends a run (STOP_SCTLR), or between runs */
  if (!c->sctlr_known) {
    uc_arm_cp_reg sr = { .cp = 15, .crn = 1, .crm = 0, .opc1 = 0, .opc2 = 0 };
    c->sctlr = uc_reg_read(c->uc, UC_ARM_REG_CP_REG, &sr) == UC_ERR_OK ? (uint32_t)sr.val : 0;
    c->sctlr_known = 1;
  }
  if (c->sctlr & 2) c->flags = flags |= F_ALIGN;
  /* a lockstep step reads PC and CPSR once, at its end: the next run of the core starts there */
  uint32_t pc = c->pc, cpsr = c->cpsr;
  if (!c->pc_known) {
    cpsr = read_cpsr(c->uc);
    uc_reg_read(c->uc, UC_ARM_REG_PC, &pc);
  }
  uc_err e = UC_ERR_OK;
  /* changes made between runs (trapped instructions, exception entry) are
     TypeScript's own: they are not the next instruction's */
  if (flags & F_LOG_REGS) read_regs(c, c->regs);
  /* zero words change no register: they log no deltas */
  uint32_t from = pc;
  pc = skip_zeros(c, pc, &cpsr);
  if (pc != from) {
    uint32_t to = pc | ((cpsr >> 5) & 1); /* a PC write takes the Thumb state from bit 0 */
    uc_reg_write(c->uc, UC_ARM_REG_PC, &to);
  }
  if (c->retired < budget) {
    /* Unicorn takes the Thumb state from bit 0 of the start address */
    e = uc_emu_start(c->uc, pc | ((cpsr >> 5) & 1), 0xFFFFFFFFull, 0, 0);
    if (!e && (c->reason == STOP_ALIGN || (c->reason == STOP_MEMORY && c->undo_insn))) {
      /* undo the faulting instruction: it neither retired nor wrote */
      uc_context_restore(c->uc, c->before);
      if (c->undo_size) {
        pl_region *r = find(c->bus, c->undo_addr);
        if (r) memcpy(r->host + (c->undo_addr - r->base), c->undo, c->undo_size);
      }
      c->retired--;
      c->log_len = c->insn_log; /* its fetch, accesses and register changes never happened */
      if (flags & F_LOG_REGS) read_regs(c, c->regs);
    }
    uc_reg_read(c->uc, UC_ARM_REG_PC, &pc);
    cpsr = read_cpsr(c->uc);
    if ((flags & F_LOG_REGS) && c->retired) log_reg_deltas(c);
  } else if (pc != from) {
    c->reason = STOP_BUDGET;
  }
  if (c->npatch) cache_unpatch(c);
  if (c->sb_state[SB_LEN]) sb_hide(c);
  if (c->reason == STOP_SCTLR) c->sctlr_known = 0;
  c->pc = pc; c->cpsr = cpsr; c->pc_known = 1;
  out[O_ERR] = e;
  out[O_MEM_OP] = c->mem_op;
  out[O_MEM_ARG] = c->mem_arg;
  out[O_REASON] = e ? STOP_ERROR : (uint32_t)c->reason;
  out[O_RETIRED] = c->retired;
  out[O_PC] = pc;
  out[O_CPSR] = cpsr;
  out[O_LOG_LEN] = c->log_len;
  out[O_TRAP] = c->trap;
  out[O_TRAP_WORD] = c->trap_word;
  out[O_BAD_ADDR] = c->bad_addr;
  out[O_BAD_TYPE] = c->bad_type;
  out[O_INTNO] = c->intno;
  out[O_TRAP_SIZE] = c->trap_size;
  out[O_LAST_ADDR] = c->last_addr;
  out[O_LAST_SIZE] = c->last_size;
  out[O_LAST_VALUE] = c->last_value;
  out[O_LAST_WRITE] = c->last_write;
  out[O_SEEN_WRITES] = c->seen_writes;
  out[O_FAULT_ADDR] = c->fault_addr;
  out[O_FAULT_WRITE] = c->fault_write;
  if (flags & F_HASH) state_hash(c, out);
  return e;
}

/* every register write from TypeScript comes here: the PC and CPSR the last run left may change */
int pl_reg_write(pl_core *c, int regid, uint32_t value) {
  c->pc_known = 0;
  return uc_reg_write(c->uc, regid, &value);
}

/* coprocessor register reads (VBAR, SCTLR) without a struct crossing koffi */
int pl_cp_read(pl_core *c, uint32_t crn, uint32_t crm, uint32_t opc1, uint32_t opc2, uint32_t *val) {
  uc_arm_cp_reg r = { .cp = 15, .is64 = 0, .sec = 0, .crn = crn, .crm = crm, .opc1 = opc1, .opc2 = opc2 };
  uc_err e = uc_reg_read(c->uc, UC_ARM_REG_CP_REG, &r);
  *val = (uint32_t)r.val;
  return e;
}

/* coprocessor register writes (fault status and address registers at exception entry) */
int pl_cp_write(pl_core *c, uint32_t crn, uint32_t crm, uint32_t opc1, uint32_t opc2, uint32_t val) {
  c->sctlr_known = 0;
  uc_arm_cp_reg r = { .cp = 15, .is64 = 0, .sec = 0, .crn = crn, .crm = crm, .opc1 = opc1, .opc2 = opc2, .val = val };
  return uc_reg_write(c->uc, UC_ARM_REG_CP_REG, &r);
}

/* The interface in numbers, for native.ts to check at load: the ABI version,
   then every enum above in the order native.ts lists them. Returns how many. */
uint32_t pl_layout(uint32_t *dst, uint32_t cap) {
  const uint32_t v[] = {
    PL_ABI_VERSION,
    O_ERR, O_REASON, O_RETIRED, O_PC, O_CPSR, O_LOG_LEN, O_TRAP, O_TRAP_WORD, O_BAD_ADDR, O_BAD_TYPE,
    O_HASH_LO, O_HASH_HI, O_INTNO, O_TRAP_SIZE, O_LAST_ADDR, O_LAST_SIZE, O_LAST_VALUE, O_LAST_WRITE, O_SEEN_WRITES, O_FAULT_ADDR, O_FAULT_WRITE,
    O_MEM_OP, O_MEM_ARG, O_COUNT,
    STOP_BUDGET, STOP_TRAP, STOP_SHARED, STOP_MMIO, STOP_IRQ, STOP_LOG_FULL, STOP_ERROR, STOP_INTR, STOP_UNTIL, STOP_ALIGN, STOP_SCTLR, STOP_MEMORY,
    TRAP_NONE, TRAP_MPIDR, TRAP_WFE, TRAP_WFI, TRAP_SEV, TRAP_SVC, TRAP_YIELD, TRAP_CP15,
    MEM_NONE, MEM_BARRIER, MEM_CLEAN_LINE, MEM_CLEAN_ALL, MEM_FULL, MEM_FENCE,
    SB_ADDR, SB_META, SB_SEQ, SB_PC, SB_DATA, SB_OLD, SB_GEN, SB_WORDS, SB_CACHED, SB_CAP,
    F_LOG_FETCH, F_LOG_ACCESS, F_STOP_SHARED, F_IRQ_WATCH, F_HASH, F_LOG_REGS, F_ALIGN, F_APPEND,
    EV_FETCH, EV_READ, EV_WRITE, EV_REG, NREGS,
    ROT_CAP, ROT_CORE, ROT_RETIRED, ROT_WROTE, ROT_PC, ROT_CPSR, ROT_HASH_LO, ROT_HASH_HI, ROT_EPOCH, ROT_LOG_START, ROT_LOG_END, ROT_WORDS,
    ROT_LAST, ROT_HASHED, ROT_NONE,
  };
  uint32_t n = sizeof v / sizeof v[0];
  for (uint32_t i = 0; i < n && i < cap; i++) dst[i] = v[i];
  return n;
}
