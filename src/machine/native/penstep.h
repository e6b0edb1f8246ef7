/*
 * penstep.h: what penstep.c (the stepper) and relaxed.c (store buffers and a
 * non-coherent core's cache, docs/memory-model.md) share: the C/TypeScript
 * interface enums (pl_layout() lists them for native.ts), the bus and core
 * structures, and the few helpers both units call.
 */
#ifndef PENSTEP_H
#define PENSTEP_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unicorn/unicorn.h>

#define PAGE_SHIFT 12
#define CHUNK_SHIFT 4 /* code is tracked per 16 bytes: data beside code is no code write */
#define STALE_CAP 1024
#define MAX_REGIONS 8
#define MAX_CORES 8
/* an LDM/STM logs at most 16 accesses plus the fetch: keep room for two */
#define LOG_RESERVE (3 * 40)
/* r0-r12, sp, lr, cpsr: what a register-delta record (EV_REG) can name */
#define NREGS 16

/* EV_REG: a register the previous instruction changed, (EV_REG | index << 8, 0, value) */
enum { EV_FETCH = 1, EV_READ = 2, EV_WRITE = 3, EV_REG = 4 };
enum {
  STOP_BUDGET = 0, STOP_TRAP = 1, STOP_SHARED = 2, STOP_MMIO = 3,
  STOP_IRQ = 4, STOP_LOG_FULL = 5, STOP_ERROR = 6, STOP_INTR = 7, STOP_UNTIL = 8,
  STOP_ALIGN = 9, STOP_SCTLR = 10, STOP_MEMORY = 11,
};
enum {
  TRAP_NONE = 0, TRAP_MPIDR = 1, TRAP_WFE = 2, TRAP_WFI = 3, TRAP_SEV = 4, TRAP_SVC = 5, TRAP_YIELD = 6,
  TRAP_CP15 = 7, /* MRC/MCR ACTLR, MCR SCTLR: the coherency state the relaxed model reads */
};
/* relaxed memory: why a run stopped with STOP_MEMORY (out[O_MEM_OP]) */
/* MEM_BARRIER: a DSB (or LDREX/STREX/SWP) waits for the coherent entries; MEM_FENCE: a load after a
   DMB waits for the entries older than the DMB (the load was undone, it runs again) */
enum { MEM_NONE = 0, MEM_BARRIER = 1, MEM_CLEAN_LINE = 2, MEM_CLEAN_ALL = 3, MEM_FULL = 4, MEM_FENCE = 5 };
/* a store buffer entry: SB_WORDS words, TS views them (native.ts StoreBufferView) */
/* SB_GEN: how many DMBs the core had passed with stores buffered when it stored (DMB markers) */
enum { SB_ADDR = 0, SB_META = 1, SB_SEQ = 2, SB_PC = 3, SB_DATA = 4, SB_OLD = 6, SB_GEN = 8, SB_WORDS = 9 };
#define SB_CACHED 0x100u /* META: a line of a non-coherent core's cache, not a store-buffer slot */
#define SB_CAP 96
#define SB_RESERVE 34    /* room an instruction may need (STM of 16, VSTM) before the run stops */
#define LINE_SIZE 32     /* Cortex-A9 L1 D-cache line */
#define LINE_CAP 64      /* clean lines a non-coherent core keeps; the oldest is evicted first */
#define PATCH_CAP 16     /* lines one instruction may read stale (VLDM of 32 doubles spans 9) */

#define F_LOG_FETCH 1u
#define F_LOG_ACCESS 2u
#define F_STOP_SHARED 4u
#define F_IRQ_WATCH 8u
#define F_HASH 16u
#define F_LOG_REGS 32u /* tracing: log what each instruction changed in r0-r12, sp, lr, cpsr */
#define F_ALIGN 64u /* SCTLR.A is set: snapshot before each instruction, abort unaligned accesses */
#define F_APPEND 128u /* a rotation's turn: the log goes on after the core's previous turn instead of starting afresh */

/* out[] layout; native.ts mirrors every enum here and checks it against pl_layout() at load */
enum {
  O_ERR, O_REASON, O_RETIRED, O_PC, O_CPSR, O_LOG_LEN, O_TRAP, O_TRAP_WORD,
  O_BAD_ADDR, O_BAD_TYPE, O_HASH_LO, O_HASH_HI, O_INTNO, O_TRAP_SIZE,
  O_LAST_ADDR, O_LAST_SIZE, O_LAST_VALUE, O_LAST_WRITE, O_SEEN_WRITES, O_FAULT_ADDR, O_FAULT_WRITE, O_MEM_OP, O_MEM_ARG, O_COUNT
};

/* bump when anything pl_layout() lists changes meaning */
#define PL_ABI_VERSION 15u

typedef struct {
  uint32_t base, size, first_page;
  uint8_t *host;
} pl_region;

/* a set of pages: a flag per page for the test, and the list of flagged pages, so that clearing
   the set (every reset) costs the pages a run touched, not the board's 40,960 */
typedef struct {
  uint8_t *on;
  uint32_t *list;
  uint32_t n;
} pl_pageset;

static inline void pageset_add(pl_pageset *s, uint32_t pg) {
  if (s->on[pg]) return;
  s->on[pg] = 1;
  s->list[s->n++] = pg;
}

struct pl_core;

/* rotate.c: round-robin turns run back to back, a record of ROT_WORDS per turn */
#define ROT_CAP 256
enum {
  ROT_CORE = 0, ROT_RETIRED = 1, ROT_WROTE = 2, ROT_PC = 3, ROT_CPSR = 4, ROT_HASH_LO = 5, ROT_HASH_HI = 6, ROT_EPOCH = 7,
  ROT_LOG_START = 8, ROT_LOG_END = 9, ROT_WORDS = 10,
};
#define ROT_LAST 0x100u   /* in ROT_CORE: the turn ended the rotation; its core's out[] has the rest */
#define ROT_HASHED 0x200u /* in ROT_CORE: the turn took the whole-state hash */
#define ROT_NONE 0xFFFFFFFFu
typedef struct {
  uint32_t rec[ROT_CAP * ROT_WORDS];
  uint32_t ticks[MAX_CORES];
  uint32_t epochs[MAX_CORES];
  uint32_t core;  /* the core whose turn runs now (ROT_NONE between rotations): device callbacks ask */
  uint32_t steps; /* steps of the finished turns of this rotation */
  uint32_t n;
  uint32_t halt;  /* set by TS in a device callback: the run ends (a hazard), no further turn */
} pl_rotation;

typedef struct pl_bus {
  pl_region r[MAX_REGIONS];
  int nr;
  uint32_t npages;
  uint8_t *word_shared; /* bit per RAM word, set by TS: accesses are scheduling points... */
  int all_shared;       /* ...unless every RAM access is one (the default) */
  pl_pageset dirty;     /* pages written since TS last cleared them (run reset) */
  uint32_t epoch;       /* bumped whenever RAM changes value */
  uint32_t seen_epoch;  /* bumped when a change is one another core can see (RAM or device) */
  uint8_t *chunk_written; /* bit per 16 bytes of RAM written this run (TS clears it with the dirty pages) */
  uint8_t *word_readers; /* per RAM word: bit per core that read it this run (lazily committed) */
  pl_pageset readers;   /* pages with reader bits in some word (what a reset clears) */
  struct pl_core *cores[MAX_CORES];
  int ncores;
  pl_rotation rot;
} pl_bus;

typedef struct pl_core {
  uc_engine *uc;
  pl_bus *bus;
  int id;
  uc_hook h_code, h_block, h_edge, h_mem, h_bad, h_intr;
  uint64_t translated;   /* guest bytes translated since the engine opened */
  uint64_t tbs;          /* translation blocks generated since then */
  uint8_t *exec_pages;   /* pages this engine holds translations of */
  uint8_t *exec_chunks;  /* bit per 16 bytes of RAM this engine has translated */
  struct { uint32_t start, end; } stale[STALE_CAP]; /* ranges to drop from its cache before it runs */
  uint32_t nstale;
  int stale_all;         /* too many ranges: drop every page it executed from */
  uint32_t last_addr, last_size, last_value, last_write, seen_writes;
  uint32_t *out;         /* pl_run's out[] (out_buf, which TS views): retired and log length kept current for device callbacks */
  uint32_t out_buf[O_COUNT];
  /* SCTLR as last read: it changes only at a trapped MCR (pl_cp_write), a context restore or a
     STOP_SCTLR, each of which forgets it, so most runs skip the coprocessor lookup */
  uint32_t sctlr;
  int sctlr_known;
  /* PC and CPSR as the last run left them: valid until TypeScript writes a register or restores a context */
  uint32_t pc, cpsr;
  int pc_known;
  uint32_t flags, budget, retired, until;
  int stop_after, reason;
  uint32_t *log, log_cap, log_len;
  uint32_t bad_addr, bad_type, intno;
  uint32_t trap, trap_word, trap_size;
  uint32_t regs[NREGS];  /* F_LOG_REGS: the registers as the last instruction left them */
  /* alignment faults (F_ALIGN): the state before the instruction, and RAM bytes a faulting store overwrote */
  uc_context *before;
  uint32_t fault_addr, fault_write, undo_addr, undo_size, insn_log;
  uint8_t undo[8];
  uint32_t cur_pc;       /* the instruction running now (a buffered store's PC) */
  /* relaxed memory (docs/memory-model.md): stores to shared RAM wait in sb[] */
  /* this run wrote code some engine translated, or ran code written this run: where a hazard can be
     (a rotation watched by the detectors ends after such a turn, so no turn runs past one) */
  int code_touched;
  int relaxed, noncoherent;
  uint32_t sb[SB_CAP * SB_WORDS];
  /* entries, coherent entries (DSB waits for them), stores so far, shown, DMBs passed with stores
     buffered, stale reads so far and the last one's address and PC (SB_* below) */
  uint32_t sb_state[8];
  uint32_t mem_op, mem_arg;
  int fenced;            /* a DMB is between the oldest coherent entry and now: shared loads wait */
  int undo_insn;         /* the instruction was a load that had to wait: pl_run undoes it */
  /* a non-coherent core's clean lines (fill order) and, during one instruction, the stale
     bytes shown in their place (the visible bytes saved) */
  uint32_t nlines, line_addr[LINE_CAP];
  uint8_t line_data[LINE_CAP][LINE_SIZE];
  uint32_t npatch;
  struct { uint32_t addr; uint8_t saved[LINE_SIZE]; } patch[PATCH_CAP];
} pl_core;
#define SB_LEN 0
#define SB_COHERENT 1
#define SB_STORES 2
#define SB_SHOWN 3
#define SB_DMBS 4
#define SB_STALE 5
#define SB_STALE_ADDR 6
#define SB_STALE_PC 7

static inline pl_region *find(pl_bus *b, uint32_t a) {
  for (int i = 0; i < b->nr; i++)
    if (a - b->r[i].base < b->r[i].size) return &b->r[i];
  return NULL;
}

static inline void log3(pl_core *c, uint32_t w0, uint32_t w1, uint32_t w2) {
  uint32_t *l = c->log + c->log_len;
  l[0] = w0; l[1] = w1; l[2] = w2;
  c->log_len += 3;
  c->out[O_LOG_LEN] = c->log_len;
}

static inline uint32_t read_cpsr(uc_engine *uc) {
  uint32_t v = 0;
  uc_reg_read(uc, UC_ARM_REG_CPSR, &v);
  return v;
}

static inline uint32_t global_off(pl_region *r, uint32_t a) {
  return (r->first_page << PAGE_SHIFT) + (a - r->base);
}

static inline int word_bit(const uint8_t *bits, uint32_t w) {
  return bits[w >> 3] & (1u << (w & 7));
}

/* penstep.c: a write to [g, g+size) of RAM (global offsets) at address a; its chunks are marked
   written, other engines drop their translations of it, and the writer notes if it touched code.
   Returns whether another engine had a translation. */
int pl_written(pl_core *c, uint32_t g, uint32_t a, uint32_t size);

/* relaxed.c: the stepper's calls into the relaxed memory model */
int sb_buffer(pl_core *c, pl_region *r, uint32_t off, uint32_t a, uint32_t size, uint64_t value);
void sb_hide(pl_core *c);
void sb_show(pl_core *c);
int relaxed_stop(pl_core *c, const uint8_t *p, uint32_t size);
int fenced_load(pl_core *c, pl_region *r, uint32_t a, uint32_t size);
void cache_read(pl_core *c, uint32_t a, uint32_t size);
void cache_wrote(pl_core *c, uint32_t a, uint32_t size, uint64_t value);
void cache_unpatch(pl_core *c);

#endif
