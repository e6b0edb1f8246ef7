@ exit-extended.S - SYS_EXIT_EXTENDED: a successful stop with exit code 3
@ (QEMU exits with status 3).
@
@   exit-extended: exit code 3

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	ldr	r0, =str
	bl	puts
	mov	r0, #SYS_EXIT_EXTENDED
	ldr	r1, =block
	svc	#SEMI_SVC_ARM
	b	park

	.ltorg
	.section .rodata
	.balign	4
block:	.word	ADP_Stopped_ApplicationExit, 3	@ {reason, subcode}
str:	.asciz	"exit-extended: exit code 3\n"
