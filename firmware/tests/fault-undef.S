@ fault-undef.S - core 0 executes an undefined instruction; the default
@ vectors report it and exit with failure.
@
@   fault-undef: executing udf
@   fault: undefined instruction at 0x6000xxxx   (address of the udf)

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	ldr	r0, =str
	bl	puts
	.global	udf_insn
udf_insn:
	.word	0xe7f000f0			@ udf #0: permanently undefined
	b	exit_failure			@ not reached: fail anyway

	.ltorg
	.section .rodata
str:	.asciz	"fault-undef: executing udf\n"
