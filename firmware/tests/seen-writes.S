@ seen-writes.S - the two sides of penlab's fairness rule: progress is a
@ write another core can observe.
@
@ Core 1 reads "count" once, checks in and parks.  Core 0 then polls "stop",
@ which nobody ever sets, twice:
@   quiet_poll  CYCLES passes that store a pass counter on its own stack:
@               nobody else reads it, so core 0 is waiting;
@   loud_poll   forever, storing the pass counter in "count", which core 1
@               has read: core 0 is working.
@ The run never ends: it is a timeout, and the message says whether core 0
@ was waiting where the budget ran out.

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	CYCLES,		1000

	.text
	.global	main
main:
	push	{r4, lr}
	sub	sp, sp, #8
	ldr	r0, =checked_in
	mov	r1, #1
	bl	wait_word
	ldr	r4, =stop
	mov	r2, #0
	.global	quiet_poll
quiet_poll:
	add	r2, r2, #1
	str	r2, [sp]			@ private: only this core reads its stack
	ldr	r0, [r4]
	cmp	r0, #0
	bne	1f
	cmp	r2, #CYCLES
	blo	quiet_poll
	ldr	r1, =count
	mov	r2, #0
	.global	loud_poll
loud_poll:
	add	r2, r2, #1
	str	r2, [r1]			@ seen: core 1 has read "count"
	ldr	r0, [r4]
	cmp	r0, #0
	beq	loud_poll
1:	mov	r0, #0
	add	sp, sp, #8
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	ldr	r0, =count
	ldr	r0, [r0]
	ldr	r0, =checked_in
	mov	r1, #1
	bl	post_word
	b	park

	.ltorg

	.data
	.balign	4
stop:		.word	0
count:		.word	0
checked_in:	.word	0
