@ chatter.S - core 0 prints without end: 64 KiB lines through semihosting
@ SYS_WRITE0, one SVC each, so tens of megabytes of console take few steps.
@ Core 1 parks.  Not a test of its own: it shows the console transcript stays
@ within --console-limit (test/limits.test.ts).  Never exits.

	.include "board.inc"
	.syntax	unified
	.arm

	.text
	.global	main
main:
	ldr	r4, =line
	ldr	r5, =LINE_LEN
	mov	r1, #'x'
	mov	r2, #0
1:	strb	r1, [r4, r2]
	add	r2, r2, #1
	cmp	r2, r5
	bne	1b
	mov	r1, #'\n'
	strb	r1, [r4, r5]
	mov	r1, #0
	add	r2, r5, #1
	strb	r1, [r4, r2]			@ NUL: SYS_WRITE0 stops here
	mov	r6, #0
2:	mov	r0, r4
	bl	semi_write0
	add	r6, r6, #1			@ a line count: the state never repeats, so no livelock
	b	2b

	.ltorg

	.equ	LINE_LEN, 65534			@ with '\n' and NUL: semihosting's 64 KiB string limit

	.bss
	.balign	4
line:	.space	LINE_LEN + 2
