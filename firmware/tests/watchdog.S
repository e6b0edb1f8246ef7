@ watchdog.S - core 0 arms its private watchdog in watchdog mode and then
@ never services it: when the counter reaches zero the core would be reset,
@ which penlab reports as a fault naming the watchdog (test/board.test.ts).
@ QEMU models no watchdog mode, so this one has no QEMU transcript.

	.include "board.inc"
	.syntax	unified
	.arm

	.equ	TIMEOUT, 20000			@ 0.2 ms at PERIPHCLK 100 MHz

	.text
	.global	main
main:
	ldr	r4, =WDT_BASE
	ldr	r0, =TIMEOUT
	str	r0, [r4, #PT_LOAD]
	mov	r0, #9				@ enable, watchdog mode
	str	r0, [r4, #PT_CONTROL]
	ldr	r0, =msg_armed
	bl	puts
1:	b	1b				@ never kicks the dog

	.global	secondary_main
secondary_main:
1:	wfi
	b	1b

	.section .rodata
msg_armed:
	.asciz	"watchdog armed\n"
