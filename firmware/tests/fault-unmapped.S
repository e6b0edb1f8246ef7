@ fault-unmapped.S - core 0 loads from 0x80000000: nothing is there on
@ penlab's board (a fault).  QEMU's vexpress-a9 differs; not an oracle test.
@ Either way the run fails: by the fault, or by exit_failure if the load
@ returns (QEMU 7.2: "fault-unmapped: no fault, read 0x00000000").
@
@   fault-unmapped: loading from 0x80000000

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	UNMAPPED, 0x80000000

	.text
	.global	main
main:
	ldr	r0, =str
	bl	puts
	ldr	r0, =UNMAPPED
	.global	unmapped_load
unmapped_load:
	ldr	r4, [r0]
	ldr	r0, =str_nofault		@ no fault: a different board
	bl	puts
	mov	r0, r4
	bl	print_hex
	mov	r0, #'\n'
	bl	putc
	b	exit_failure

	.ltorg
	.section .rodata
str:	.asciz	"fault-unmapped: loading from 0x80000000\n"
str_nofault:	.asciz	"fault-unmapped: no fault, read "
