# penlab: `make demo` runs the kexec hand-over scenario, `make test` the tests.
# Both set up whatever is missing first (scripts/setup.sh).

NATIVE := build/native/libpenstep.so
PENLAB := node bin/penlab.js

.PHONY: setup native firmware test demo bench clean

setup:
	@scripts/setup.sh

native: $(NATIVE)

# the compiler flags live in one place: src/machine/native/build.ts
$(NATIVE): src/machine/native/penstep.c src/machine/native/build.ts
	@npx tsx src/machine/native/build.ts --force

firmware:
	@$(MAKE) -s -C firmware

test: setup
	npx vitest run

demo: setup
	$(PENLAB) demo

bench: setup
	npx tsx scripts/bench.ts

clean:
	rm -rf build
	$(MAKE) -s -C firmware clean
