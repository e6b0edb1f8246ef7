/*
 * The baseline for `npm run bench`: a plain C program stepping two Unicorn
 * engines alternately, one instruction each (uc_emu_start with count 1,
 * then read the PC), over one shared DRAM image. Built and run by
 * scripts/bench.ts in the same run as penlab's figures.
 *
 *   bench-stepper IMAGE ENTRY STEPS [exits]
 *
 * With `exits` it also does what penlab's stepper does at open: enables
 * Unicorn's exit list and leaves it empty. Otherwise every uc_emu_start
 * invalidates a translation at until - 1 on its way out, a code-TLB fill of
 * an unmapped page each time. The target is against the plain loop;
 * the second figure says how far penlab is from a C loop that avoids it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unicorn/unicorn.h>

#define DRAM 0x60000000u
#define DRAM_SIZE (16u << 20)

int main(int argc, char **argv) {
  if (argc != 4 && !(argc == 5 && strcmp(argv[4], "exits") == 0)) { fprintf(stderr, "usage: %s IMAGE ENTRY STEPS [exits]\n", argv[0]); return 2; }
  uint32_t entry = (uint32_t)strtoul(argv[2], NULL, 0);
  long steps = strtol(argv[3], NULL, 0);
  uint8_t *ram = mmap(NULL, DRAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  FILE *f = fopen(argv[1], "rb");
  if (!f || ram == MAP_FAILED) { perror(argv[1]); return 2; }
  size_t n = fread(ram, 1, DRAM_SIZE, f);
  fclose(f);
  (void)n;
  uc_engine *uc[2];
  uint32_t pc[2];
  for (int i = 0; i < 2; i++) {
    if (uc_open(UC_ARCH_ARM, UC_MODE_ARM, &uc[i])) return 1;
    uc_ctl(uc[i], UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1), UC_CPU_ARM_CORTEX_A9);
    if (argc == 5) uc_ctl(uc[i], UC_CTL_WRITE(UC_CTL_UC_USE_EXITS, 1), 1);
    uc_mem_map_ptr(uc[i], DRAM, DRAM_SIZE, UC_PROT_ALL, ram);
    pc[i] = entry;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long s = 0; s < steps; s++) {
    int i = s & 1;
    uc_err e = uc_emu_start(uc[i], pc[i], 0xffffffffu, 0, 1);
    if (e) { fprintf(stderr, "step %ld: %s\n", s, uc_strerror(e)); return 1; }
    uc_reg_read(uc[i], UC_ARM_REG_PC, &pc[i]);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("%.0f\n", (double)steps / secs);
  return 0;
}
