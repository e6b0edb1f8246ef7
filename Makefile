# penlab: `make demo` runs the kexec hand-over scenario, `make test` the tests.
# Both set up whatever is missing first (scripts/setup.sh).

PENLAB := node bin/penlab.js

.PHONY: setup native firmware dist test demo bench clean

setup:
	@scripts/setup.sh

# builds the C stepper into penlab's cache (~/.cache/penlab/native-<hash>/),
# keyed by its source and flags; src/machine/native/build.ts holds the flags
native:
	@npx tsx src/machine/native/build.ts >/dev/null

firmware:
	@$(MAKE) -s -C firmware

test: setup
	npx vitest run

demo: setup
	$(PENLAB) demo

bench: setup
	npx tsx scripts/bench.ts

# the compiled package (dist/): what npm pack ships; a checkout runs src/ through tsx
dist:
	@npm run -s build

clean:
	rm -rf build dist
	$(MAKE) -s -C firmware clean
