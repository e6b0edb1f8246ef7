@ litmus.S - two-core litmus tests of the store side, one iteration each:
@ exploration runs every interleaving and store-visibility order within its
@ bound.  Assembled four ways (--defsym TEST=0|1, BARRIER=0|1):
@
@   MP  (TEST=0)  cpu0: x = 1; [dmb]; y = 1     cpu1: wait y == 1; [dmb]; r = x
@                 weak outcome: r == 0 (y seen, x not)
@   SB  (TEST=1)  cpu0: x = 1; [dmb]; r0 = y    cpu1: y = 1; [dmb]; r1 = x
@                 weak outcome: r0 == 0 and r1 == 0
@
@ ARMv7 allows both weak outcomes without barriers and forbids them with a
@ DMB on each side (herd7's ARM model; ARM ARM A3.8.3, and the MP/SB tests of
@ Alglave et al., "Herding cats", TOPLAS 2014).  cpu0 prints one line saying
@ whether the weak outcome was seen and exits 1 if it was, so exploration
@ reports it as a failure with a replay file.

	.include "board.inc"
	.syntax	unified
	.arm

	.ifndef	TEST
	.error	"litmus.S: assemble with --defsym TEST=0 (MP) or 1 (SB) and BARRIER=0|1"
	.endif

	.macro	litmus_barrier
	.if	BARRIER
	dmb				@ the litmus barrier: earlier accesses before later ones
	.endif
	.endm

	.text
	.global	main
main:
	push	{r4, lr}
	ldr	r0, =x
	ldr	r1, =y
	mov	r2, #1
	str	r2, [r0]			@ x = 1
	litmus_barrier
	.if	TEST == 0
	str	r2, [r1]			@ y = 1
	.else
	ldr	r3, [r1]			@ r0 = y
	ldr	r0, =r0_seen
	str	r3, [r0]
	.endif
	ldr	r0, =done
	mov	r1, #1
	bl	wait_word			@ cpu1 finished (its dmb after: its results visible)
	ldr	r0, =r1_seen
	ldr	r1, [r0]
	.if	TEST == 0
	cmp	r1, #0				@ MP weak: y == 1 seen, x == 0
	.else
	ldr	r0, =r0_seen
	ldr	r0, [r0]
	orr	r1, r1, r0			@ SB weak: both loads saw 0
	cmp	r1, #0
	.endif
	ldreq	r0, =str_weak
	ldrne	r0, =str_sc
	moveq	r4, #1
	movne	r4, #0
	bl	puts
	mov	r0, r4
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	ldr	r0, =x
	ldr	r1, =y
	.if	TEST == 0
1:	ldr	r3, [r1]			@ wait for y == 1
	cmp	r3, #1
	bne	1b
	litmus_barrier
	ldr	r3, [r0]			@ r = x
	.else
	mov	r2, #1
	str	r2, [r1]			@ y = 1
	litmus_barrier
	ldr	r3, [r0]			@ r1 = x
	.endif
	ldr	r0, =r1_seen
	str	r3, [r0]
	ldr	r0, =done
	mov	r1, #1
	bl	post_word			@ dmb; str; dsb; sev: the result before the flag
	b	park

	.ltorg

	.data
	.balign	32
	.global	x, y
x:	.word	0
	.balign	32
y:	.word	0
	.balign	32
r0_seen: .word	-1
r1_seen: .word	-1
done:	.word	0

	.section .rodata
	.if	TEST == 0
str_weak: .asciz "MP: weak outcome seen (y == 1, x == 0)\n"
str_sc:	.asciz	"MP: weak outcome not seen\n"
	.else
str_weak: .asciz "SB: weak outcome seen (r0 == 0, r1 == 0)\n"
str_sc:	.asciz	"SB: weak outcome not seen\n"
	.endif
