@ busy-wait.S - a correct busy-wait: no WFE, no timeout, just a spin.
@
@ Core 1 spins on "ready" while core 0 does a long computation and then
@ sets it.  A scheduler that kept running the spinner would call this a
@ livelock or run out of steps; penlab hands a core spinning on unchanged
@ memory's turn to another core, so it must pass under every schedule.
@
@   sum 500500 / busy-wait ok

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	push	{r4, lr}
	ldr	r4, =scratch
	mov	r0, #0
	mov	r1, #1
1:	str	r1, [r4]			@ memory traffic the spinner can see change
	ldr	r2, [r4]
	add	r0, r0, r2
	add	r1, r1, #1
	cmp	r1, #1000
	bls	1b
	ldr	r1, =sum
	str	r0, [r1]
	ldr	r0, =ready
	mov	r1, #1
	bl	post_word
	ldr	r0, =seen
	mov	r1, #1
1:	ldr	r2, [r0]			@ and core 0 spins too, waiting for the answer
	cmp	r2, r1
	bne	1b
	ldr	r0, =str_sum
	bl	puts
	ldr	r0, =sum
	ldr	r0, [r0]
	bl	print_udec
	ldr	r0, =str_ok
	bl	puts
	mov	r0, #0
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	ldr	r4, =ready
1:	ldr	r0, [r4]
	cmp	r0, #0
	beq	1b
	dmb					@ ready before the sum it publishes
	ldr	r0, =seen
	mov	r1, #1
	bl	post_word
	b	park

	.ltorg

	.data
	.balign	4
ready:		.word	0
seen:		.word	0
sum:		.word	0
scratch:	.word	0

	.section .rodata
str_sum:	.asciz	"sum "
str_ok:		.asciz	"\nbusy-wait ok\n"
