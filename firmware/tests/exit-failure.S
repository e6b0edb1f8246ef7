@ exit-failure.S - a clean run that reports failure through semihosting
@ (SYS_EXIT, ADP_Stopped_InternalError).  The second line goes through
@ semihosting SYS_WRITE0 from ARM state: it must follow the UART line.
@
@   exit-failure: failing on purpose
@   exit-failure: said through semihosting

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	ldr	r0, =str
	bl	puts
	ldr	r0, =str_semi
	bl	semi_write0
	b	exit_failure

	.ltorg
	.section .rodata
str:	.asciz	"exit-failure: failing on purpose\n"
str_semi:	.asciz	"exit-failure: said through semihosting\n"
