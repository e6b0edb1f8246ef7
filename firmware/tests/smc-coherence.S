@ smc-coherence.S - cross-modifying code.
@
@ Core 1 spins on a loop in RAM that stores the immediate of its first
@ instruction ("mov r0, #1") and sevs.  Core 0 waits to see 1, rewrites that
@ instruction to "mov r0, #2", and core 1 must store 2 on a later pass.
@ Caches are off, so the store reaches memory and core 1's ISB (a fresh
@ fetch) is all the architecture asks of the reader.  With the I-cache
@ on, core 0 would also need ICIMVAU/BPIALL on the line: not done here.
@
@   cpu1 stores 1
@   patched smc_site: mov r0, #2
@   cpu1 stores 2
@   smc-coherence ok

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	POLLS, 1000000

	.text
	.global	main
main:
	push	{r4, lr}
	mov	r0, #1
	bl	poll_result
	cmp	r0, #0
	bne	fail
	ldr	r0, =str_one
	bl	puts

	ldr	r0, =smc_site
	ldr	r1, new_insn
	str	r1, [r0]
	dsb					@ the new encoding in memory before core 1 is told
	sev					@ the release idiom: wakes a WFE waiter, a spinner ignores it
	ldr	r0, =str_patched
	bl	puts

	mov	r0, #2
	bl	poll_result
	cmp	r0, #0
	bne	fail
	ldr	r0, =str_two
	bl	puts
	mov	r0, #0
	pop	{r4, pc}
fail:
	ldr	r0, =str_bad
	bl	puts
	mov	r0, #1
	pop	{r4, pc}

@ poll_result(r0 = value) -> r0: 0 once result == value, 1 after POLLS
@ looks without it.  Bounded: a core that never sees the new code must
@ fail the run, not hang it.  Core 1 sevs after every store, so WFE
@ sleeps just until the next one (and lets a round-robin QEMU run core 1).
poll_result:
	ldr	r1, =result
	ldr	r2, =POLLS
1:	ldr	r3, [r1]
	cmp	r3, r0
	moveq	r0, #0
	bxeq	lr
	subs	r2, r2, #1
	moveq	r0, #1
	bxeq	lr
	wfe
	b	1b

new_insn:
	mov	r0, #2				@ an encoding, copied over smc_site

	.global	secondary_main
secondary_main:
	ldr	r4, =result
	.global	smc_site
smc_site:
	mov	r0, #1				@ rewritten by core 0
	str	r0, [r4]
	dsb					@ the store visible before core 0 is woken to look
	sev
	cmp	r0, #1
	isb					@ refetch smc_site: the next pass sees core 0's store
	beq	smc_site
	b	park				@ stored the new value: done

	.ltorg

	.data
	.balign	4
result:	.word	0			@ core 1 -> 0

	.section .rodata
str_one:	.asciz	"cpu1 stores 1\n"
str_patched:	.asciz	"patched smc_site: mov r0, #2\n"
str_two:	.asciz	"cpu1 stores 2\nsmc-coherence ok\n"
str_bad:	.asciz	"smc-coherence FAIL: timed out\n"
