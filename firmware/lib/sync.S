@ sync.S - cross-core flag words.
@
@ No exclusive monitor spans penlab's engines, so LDREX/STREX cannot be
@ trusted across cores: cores talk through plain words, each written by
@ one core only, with barriers and SEV/WFE, as a holding pen does.  WFE
@ may return for no reason, so every wait re-reads its word.

	.include "board.inc"
	.syntax	unified
	.arm
	.text

@ post_word(r0 = addr, r1 = value): publish *addr = value, wake waiters.
	.global	post_word
	.type	post_word, %function
post_word:
	dmb					@ earlier stores (the payload) before the flag
	str	r1, [r0]
	dsb					@ flag visible before SEV: SEV is no memory access, DMB can't order it
	sev
	bx	lr
	.size	post_word, . - post_word

@ wait_word(r0 = addr, r1 = value): WFE until *addr == value.
	.global	wait_word
	.type	wait_word, %function
wait_word:
1:	ldr	r2, [r0]
	cmp	r2, r1
	beq	2f
	wfe
	b	1b
2:	dmb					@ the flag before the payload it publishes
	bx	lr
	.size	wait_word, . - wait_word

@ irq_wait_word(r0 = addr, r1 = value): sleep in WFI until an IRQ handler
@ makes *addr == value.  Returns with IRQs enabled.  The check runs with
@ IRQs masked: an IRQ landing between the load and WFI then stays pending
@ and ends the WFI (which wakes on masked IRQs), instead of being handled
@ before the WFI and leaving us asleep with nothing more to come.
	.global	irq_wait_word
	.type	irq_wait_word, %function
irq_wait_word:
1:	cpsid	i
	ldr	r2, [r0]
	cmp	r2, r1
	beq	2f
	wfi
	cpsie	i				@ take the IRQ that woke us
	b	1b
2:	cpsie	i
	dmb					@ the flag before what the handler stored with it
	bx	lr
	.size	irq_wait_word, . - irq_wait_word
