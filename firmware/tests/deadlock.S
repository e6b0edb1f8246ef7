@ deadlock.S - both cores sleep in WFI with IRQs masked and nothing can
@ ever become pending: penlab must report "deadlock".  On QEMU it hangs.
@
@   deadlock: both cores in wfi, nothing pending

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	ldr	r0, =str
	bl	puts
	@ fall through

	.global	secondary_main
secondary_main:
	cpsid	if
1:	wfi
	b	1b

	.ltorg
	.section .rodata
str:	.asciz	"deadlock: both cores in wfi, nothing pending\n"
