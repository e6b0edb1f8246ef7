@ release-order.S - a holding pen released in the wrong order.
@
@ Core 1 waits in an SRAM pen (WFE, then re-check the release word).  Core
@ 0 releases it but publishes the release word *before* the entry address.
@ With WFE woken only by SEV (as QEMU, and penlab's default run, behave)
@ core 1 wakes after both stores and all is well.  But WFE is a hint: it
@ may end early, and a core that wakes between the two stores sees the
@ release, loads an entry address that is still 0 and jumps there.
@ Exploration that may end a WFE early finds that fault.
@
@   releasing cpu1 / cpu1 released / release-order ok

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	push	{r4, lr}
	ldr	r0, =in_pen
	mov	r1, #1
	bl	wait_word
	ldr	r0, =str_release
	bl	puts
	ldr	r4, =pen_release
	mov	r0, #1
	str	r0, [r4]			@ the bug: release before entry
	dsb					@ release visible before the entry store
	.global	release_stored
release_stored:
	ldr	r0, =released
	str	r0, [r4, #4]			@ pen_entry
	dsb					@ entry visible before sev
	sev
	ldr	r0, =checked_in
	mov	r1, #1
	bl	wait_word
	ldr	r0, =str_ok
	bl	puts
	mov	r0, #0
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	ldr	r0, =in_pen
	mov	r1, #1
	bl	post_word
	ldr	pc, =pen			@ SRAM is out of branch range

released:
	ldr	r0, =checked_in
	mov	r1, #1
	bl	post_word
	b	park

	.ltorg

	.section .sram, "ax"
	.global	__penlab_pen_start, __penlab_pen_end
__penlab_pen_start:
pen:	wfe
	ldr	r1, =pen_release
	ldr	r0, [r1]
	cmp	r0, #1
	bne	pen
	ldr	pc, [r1, #4]			@ pen_entry
	.ltorg
__penlab_pen_end:
	.balign	4
pen_release:	.word	0
pen_entry:	.word	0

	.data
	.balign	4
in_pen:		.word	0
checked_in:	.word	0

	.section .rodata
str_release:	.asciz	"releasing cpu1\n"
str_ok:		.asciz	"cpu1 released\nrelease-order ok\n"
