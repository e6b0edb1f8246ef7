@ spin-table.S - an arm64-style spin-table pen on ARMv7 (Documentation/
@ arm64/booting.txt, arch/arm64/kernel/smp_spin_table.c): the secondary
@ sleeps in WFE and re-reads cpu_release_addr; the primary writes the entry
@ point there, then DSB, then SEV.  Assembled with --defsym DSB=1 (as Linux
@ does), DSB=0 and DSB=2: without the DSB the SEV may arrive before the
@ store is visible, the secondary reads 0, sleeps again, and nothing wakes
@ it (under --memory relaxed: a deadlock).  SEV is no memory access, so a
@ DMB does not order it: DSB=2 puts a DMB where the DSB belongs, the
@ `dmb; sev` bug, and deadlocks the same way.
@
@   releasing cpu1 / cpu1 released

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	push	{r4, lr}
	ldr	r0, =str_release
	bl	puts
	ldr	r0, =cpu_release_addr
	ldr	r1, =secondary_entry
	str	r1, [r0]
	.if	DSB == 1
	dsb					@ the release address visible before the event
	.elseif	DSB == 2
	dmb					@ wrong: orders memory accesses only, not the SEV
	.endif
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
	ldr	pc, =pen			@ the pen lives in SRAM

secondary_entry:
	ldr	r0, =checked_in
	mov	r1, #1
	bl	post_word
	b	park

	.ltorg

	.section .sram, "ax"
	.global	__penlab_pen_start, __penlab_pen_end
__penlab_pen_start:
pen:	wfe
	ldr	r1, =cpu_release_addr
	ldr	r0, [r1]
	cmp	r0, #0
	beq	pen
	bx	r0
	.ltorg
__penlab_pen_end:
	.balign	4
	.global	cpu_release_addr
cpu_release_addr: .word	0

	.data
	.balign	4
checked_in:	.word	0

	.section .rodata
str_release:	.asciz	"releasing cpu1\n"
str_ok:		.asciz	"cpu1 released\n"
