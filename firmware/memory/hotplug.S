@ hotplug.S - a cpu leaving the coherency domain before it dies, as
@ vexpress's cpu_enter_lowpower() (arch/arm/mach-vexpress/hotplug.c):
@ flush the D-cache, DSB, clear ACTLR.SMP, clear SCTLR.C.  cpu1 runs with its
@ D-cache on, saves a context word cpu0 checks once cpu1 is offline, leaves
@ coherency and posts "offline" (dmb; str; dsb; sev).
@
@   --defsym LATE_FLUSH=0  flush + DSB, then clear SMP and C, then post: the
@                          post is an ordinary store, ordered by its DMB.
@   --defsym LATE_FLUSH=1  clear SMP first, post, then flush: between the two
@                          cpu1 has SCTLR.C=1 and ACTLR.SMP=0, so the context
@                          and the post sit in a cache nobody snoops and are
@                          written back in any order; the DMB orders nothing
@                          there.  Under --memory relaxed cpu0 can see
@                          "offline" with the context still unwritten.
@
@   cpu1 offline / context ok

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	SCTLR_C,	1 << 2
	.equ	ACTLR_SMP,	1 << 6		@ Cortex-A9 TRM 4.3.10
	.equ	CONTEXT,	0x600dc0de

	.text
	.global	main
main:
	push	{r4, lr}
	ldr	r0, =offline
	mov	r1, #1
	bl	wait_word			@ dmb after: offline before the context
	ldr	r0, =str_offline
	bl	puts
	ldr	r0, =context
	ldr	r0, [r0]
	ldr	r1, =CONTEXT
	cmp	r0, r1
	ldreq	r0, =str_ok
	ldrne	r0, =str_lost
	moveq	r4, #0
	movne	r4, #1
	bl	puts
	mov	r0, r4
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	mrc	p15, 0, r0, c1, c0, 0
	orr	r0, r0, #SCTLR_C
	mcr	p15, 0, r0, c1, c0, 0		@ D-cache on (ACTLR.SMP is set: coherent)
	ldr	r0, =context
	ldr	r1, =CONTEXT
	str	r1, [r0]			@ what cpu0 checks once we are offline
	.if	LATE_FLUSH
	bl	leave_coherency
	ldr	r0, =offline
	mov	r1, #1
	bl	post_word
	bl	flush_dcache
	bl	cache_off
	.else
	bl	flush_dcache
	bl	leave_coherency
	bl	cache_off
	ldr	r0, =offline
	mov	r1, #1
	bl	post_word
	.endif
	b	park

flush_dcache:
	ldr	r0, =context
	mcr	p15, 0, r0, c7, c14, 1		@ DCCIMVAC: clean and invalidate the context line
	ldr	r0, =offline
	mcr	p15, 0, r0, c7, c14, 1		@ ...and the flag's
	dsb					@ the clean complete before we go on
	bx	lr

leave_coherency:
	mrc	p15, 0, r0, c1, c0, 1
	bic	r0, r0, #ACTLR_SMP
	mcr	p15, 0, r0, c1, c0, 1		@ ACTLR.SMP = 0: no longer snooped
	isb
	bx	lr

cache_off:
	mrc	p15, 0, r0, c1, c0, 0
	bic	r0, r0, #SCTLR_C
	mcr	p15, 0, r0, c1, c0, 0		@ D-cache off: later stores bypass it
	isb
	bx	lr

	.ltorg

	.data
	.balign	32
	.global	context, offline
context:	.word	0
	.balign	32
offline:	.word	0

	.section .rodata
str_offline:	.asciz	"cpu1 offline\n"
str_ok:		.asciz	"context ok\n"
str_lost:	.asciz	"context lost\n"
