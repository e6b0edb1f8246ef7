@ safe-entry.S - a secondary that announces it is off the old code one
@ branch too early.
@
@ Core 1 posts "offline", then leaves DRAM for a WFI pen in SRAM (outside
@ system RAM: a safe region). Core 0 waits for "offline" and overwrites
@ core 1's code at once. Between the post and the branch to the pen core 1
@ has no visible operation, so the clobber shows only where core 0's store
@ goes before core 1's next turn: a search must order a core's entry into a
@ safe region against stores to the code it ran before (DPOR: the entry
@ reads every shared word the core fetched since its last one).
@
@   copied

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	push	{r4, lr}
	ldr	r0, =offline
	mov	r1, #1
	bl	wait_word
	ldr	r0, =secondary_main		@ core 1's code, gone
	mov	r1, #0
	str	r1, [r0]
	str	r1, [r0, #4]
	ldr	r0, =str_copied
	bl	puts
	mov	r0, #0
	pop	{r4, pc}

	.global	secondary_main
secondary_main:
	ldr	r0, =offline
	mov	r1, #1
	bl	post_word			@ "off the old code" - not yet
	ldr	r0, =sram_pen
	bx	r0
	.ltorg

	.section .sram, "ax"
sram_pen:
	wfi
	b	sram_pen

	.data
	.balign	4
offline:	.word	0

	.section .rodata
str_copied:	.asciz	"copied\n"
