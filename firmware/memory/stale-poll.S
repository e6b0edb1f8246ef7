@ stale-poll.S - a cpu that left the coherency domain with its D-cache still
@ on polls a flag another cpu writes: the shape of a hotplug path that
@ clears ACTLR.SMP but not SCTLR.C before waiting in the pen (vexpress's
@ cpu_enter_lowpower clears both, so its pen reads memory).  cpu1 reads
@ pen_release once (the line comes into its cache), tells cpu0 it is ready,
@ and waits for pen_release == 1.
@
@   --defsym INVAL=0  cpu1 re-reads its cached copy: it never sees the
@                     release, sleeps again after cpu0's SEV, and under
@                     --memory relaxed the run deadlocks.
@   --defsym INVAL=1  DCIMVAC before each read (as a non-coherent reader
@                     must): the read misses and sees memory.
@
@   cpu1 released

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	SCTLR_C,	1 << 2
	.equ	ACTLR_SMP,	1 << 6		@ Cortex-A9 TRM 4.3.10

	.text
	.global	main
main:
	push	{r4, lr}
	ldr	r0, =ready
	mov	r1, #1
	bl	wait_word
	ldr	r0, =pen_release
	mov	r1, #1
	bl	post_word
	ldr	r0, =ack
	mov	r1, #1
	bl	wait_word
	ldr	r0, =str_ok
	bl	puts
	mov	r0, #0
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	mrc	p15, 0, r0, c1, c0, 0
	orr	r0, r0, #SCTLR_C
	mcr	p15, 0, r0, c1, c0, 0		@ D-cache on
	mrc	p15, 0, r0, c1, c0, 1
	bic	r0, r0, #ACTLR_SMP
	mcr	p15, 0, r0, c1, c0, 1		@ ACTLR.SMP = 0: no longer snooped
	isb
	ldr	r4, =pen_release
	ldr	r0, [r4]			@ the line is in our cache now
	ldr	r0, =ready
	mov	r1, #1
	bl	post_clean
1:
	.if	INVAL
	mcr	p15, 0, r4, c7, c6, 1		@ DCIMVAC: drop our copy of pen_release
	dsb					@ the invalidation complete before the read
	.endif
	ldr	r0, [r4]
	cmp	r0, #1
	beq	2f
	wfe
	b	1b
2:	ldr	r0, =ack
	mov	r1, #1
	bl	post_clean
	b	park

@ post_clean(r0 = addr, r1 = value): a non-coherent cpu's post: the flag's
@ line cleaned to memory before the event (no barrier reaches its cache)
post_clean:
	str	r1, [r0]
	mcr	p15, 0, r0, c7, c10, 1		@ DCCMVAC: write the flag's line back
	dsb					@ the clean complete before SEV
	sev
	bx	lr

	.ltorg

	.data
	.balign	32
	.global	pen_release, ready, ack
pen_release:	.word	0
	.balign	32
ready:		.word	0
	.balign	32
ack:		.word	0

	.section .rodata
str_ok:		.asciz	"cpu1 released\n"
