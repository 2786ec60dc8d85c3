# Supervox — every entry point. `make serve` and `make test` are the two a new user needs.
#
#   make            native library + CLI (build/) and the wasm core (web/build/)
#   make serve      install what is missing, build, serve web/ on http://localhost:$(PORT)
#                   (cross-origin isolated: the threaded core runs)
#   make test       every test: C unit (ASan+UBSan), interop, wasm in Node, browser in Chromium
#   make dist       dist/: the static site for any host (offline after a first visit), and
#                   dist/supervox.html, the whole app in one file that works from file://
#   make bench      benchmarks against the reference tools, as ratios
#   make fuzz       libFuzzer on the NIfTI reader for $(FUZZ_SECONDS) s (not part of make test)
#   make fuzz-dicom the same for the DICOM reader
#   make fuzz-strokes the same for the strokes file and propagation
#   make fuzz-png   the same for PNG slices and stacks
#   make fuzz-mesh  the same for label surfaces (closed, finite, the voxels' volume)
#   make deps       Debian packages, npm packages, zlib + libpng for wasm (idempotent)

PORT ?= 8080
FUZZ_SECONDS ?= 600
SHARED ?= ../shared

CC ?= cc
CSTD := -std=c99 -D_POSIX_C_SOURCE=200809L
WARN := -Wall -Wextra -pedantic -Werror
# native builds use threads (core/src/parallel.c): supervoxels and meshing spread over the cores
THREADS := -DSV_THREADS -pthread
CFLAGS_NATIVE := $(CSTD) $(WARN) $(THREADS) -O2 -g -Icore/include -I/usr/include/stb
# float-cast-overflow: an out-of-range double converted to an integer is undefined, and gcc's
# "undefined" leaves that check out (the strokes fuzzer, built by clang, found one)
CFLAGS_SAN := $(CSTD) $(WARN) $(THREADS) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow \
              -fno-sanitize-recover=undefined,float-cast-overflow -Icore/include -I/usr/include/stb
LIBS_NATIVE := -lz -lpng -lm

CORE_SRC := $(wildcard core/src/*.c)
CORE_HDR := $(wildcard core/include/supervox/*.h) $(wildcard core/src/*.h)
CLI_SRC := $(wildcard core/cli/*.c)
TEST_SRC := $(wildcard tests/c/*.c)
TEST_HDR := $(wildcard tests/c/*.h)

B := build
NATIVE_OBJ := $(patsubst core/src/%.c,$(B)/obj/%.o,$(CORE_SRC))
SAN_OBJ := $(patsubst core/src/%.c,$(B)/san/%.o,$(CORE_SRC))

# --- wasm ---------------------------------------------------------------------
# Debian's emcc needs its node modules (acorn) on NODE_PATH.
EMCC := NODE_PATH=/usr/share/nodejs emcc
TP := wasm-build/third_party
WASM_OUT := web/build
WASM_CFLAGS := $(CSTD) $(WARN) -O3 -msimd128 -Icore/include -I$(TP)/include -I/usr/include/stb
WASM_LDFLAGS := -O3 -msimd128
# a factory function, no globals
WASM_LDFLAGS += -sMODULARIZE=1 -sEXPORT_NAME=SupervoxCore
# a 512x512x400 CT plus its maps fits; the heap grows as volumes open
WASM_LDFLAGS += -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB
# the worker in browsers; Node for tests and benchmarks
WASM_LDFLAGS += -sENVIRONMENT=web,worker,node
# many instances in one Node process must not each add exit/rejection listeners
WASM_LDFLAGS += -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0
# the one export list
WASM_LDFLAGS += -sEXPORTED_FUNCTIONS=@wasm-build/exports.txt
# read C strings (errors, JSON)
WASM_LDFLAGS += -sEXPORTED_RUNTIME_METHODS=UTF8ToString,HEAPU8,HEAPF64
# the core works on memory buffers only
WASM_LDFLAGS += -sFILESYSTEM=0
# Node 20: hand the glue its wasm (its fetch() of a file path fails)
WASM_LDFLAGS += --pre-js wasm-build/pre.js

.PHONY: all native wasm dist deps serve test test-c test-interop test-node test-browser bench fuzz fuzz-dicom fuzz-strokes fuzz-png fuzz-mesh clean
all: native wasm

native: $(B)/supervox $(B)/libsupervox.a

$(B)/obj/%.o: core/src/%.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_NATIVE) -c $< -o $@

$(B)/san/%.o: core/src/%.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) -c $< -o $@

$(B)/libsupervox.a: $(NATIVE_OBJ)
	ar rcs $@ $^

$(B)/libsupervox-san.a: $(SAN_OBJ)
	ar rcs $@ $^

$(B)/supervox: $(CLI_SRC) $(B)/libsupervox.a $(CORE_HDR)
	$(CC) $(CFLAGS_NATIVE) $(CLI_SRC) $(B)/libsupervox.a $(LIBS_NATIVE) -o $@

$(B)/supervox-san: $(CLI_SRC) $(B)/libsupervox-san.a $(CORE_HDR)
	$(CC) $(CFLAGS_SAN) $(CLI_SRC) $(B)/libsupervox-san.a $(LIBS_NATIVE) -o $@

$(B)/test_core: $(TEST_SRC) $(TEST_HDR) $(B)/libsupervox-san.a
	$(CC) $(CFLAGS_SAN) -Itests/c $(TEST_SRC) $(B)/libsupervox-san.a $(LIBS_NATIVE) -o $@

wasm: $(WASM_OUT)/supervox.js $(WASM_OUT)/supervox-mt.js $(WASM_OUT)/vendor/three.module.js

# three.js from npm (package-lock.json pins it), served from the site itself: no CDN
THREE := node_modules/three
$(WASM_OUT)/vendor/three.module.js: $(THREE)/build/three.module.js $(THREE)/build/three.core.js $(THREE)/examples/jsm/controls/OrbitControls.js $(THREE)/LICENSE
	@mkdir -p $(WASM_OUT)/vendor/addons/controls
	cp $(THREE)/build/three.core.js $(THREE)/LICENSE $(WASM_OUT)/vendor/
	cp $(THREE)/examples/jsm/controls/OrbitControls.js $(WASM_OUT)/vendor/addons/controls/
	cp $(THREE)/build/three.module.js $@

$(THREE)/build/three.module.js $(THREE)/build/three.core.js $(THREE)/examples/jsm/controls/OrbitControls.js $(THREE)/LICENSE:
	bash wasm-build/deps.sh

$(TP)/lib/libz.a $(TP)/lib/libpng16.a:
	bash wasm-build/deps.sh

$(WASM_OUT)/supervox.js: $(CORE_SRC) $(CORE_HDR) wasm-build/wasm_api.c wasm-build/exports.txt wasm-build/pre.js \
                         $(TP)/lib/libz.a $(TP)/lib/libpng16.a
	@mkdir -p $(WASM_OUT)
	$(EMCC) $(WASM_CFLAGS) $(WASM_LDFLAGS) $(CORE_SRC) wasm-build/wasm_api.c \
	  $(TP)/lib/libpng16.a $(TP)/lib/libz.a -o $@
	@# the glue is CommonJS; tell Node so, inside this "type": "module" package
	echo '{"type": "commonjs"}' > $(WASM_OUT)/package.json

# The threaded core: the same sources with -pthread (supervoxels and meshing on
# a pool of threads, see core/src/parallel.c). The worker loads it only where
# the page is cross-origin isolated (SharedArrayBuffer); supervox.js everywhere else.
WASM_MT_LDFLAGS := $(WASM_LDFLAGS) -pthread
# the pool's workers start with the module (a thread cannot start while the caller
# waits for it): one per logical core beyond the caller's, at most 7 (SV_MAX_THREADS - 1)
WASM_MT_LDFLAGS += -sPTHREAD_POOL_SIZE='Math.min(7,Math.max(1,(typeof navigator=="object"&&navigator.hardwareConcurrency||require("os").cpus().length)-1))'
# past the pool, pthread_create fails (the core then uses fewer threads) instead of deadlocking
WASM_MT_LDFLAGS += -sPTHREAD_POOL_SIZE_STRICT=2
# the heap may still grow; JS re-reads its views (core-api.js), so the glue's warning is moot
WASM_MT_LDFLAGS += -Wno-pthreads-mem-growth

$(WASM_OUT)/supervox-mt.js: $(CORE_SRC) $(CORE_HDR) wasm-build/wasm_api.c wasm-build/exports.txt wasm-build/pre.js \
                            $(TP)/lib-mt/libz.a $(TP)/lib-mt/libpng16.a
	@mkdir -p $(WASM_OUT)
	$(EMCC) $(WASM_CFLAGS) -pthread $(WASM_MT_LDFLAGS) $(CORE_SRC) wasm-build/wasm_api.c \
	  $(TP)/lib-mt/libpng16.a $(TP)/lib-mt/libz.a -o $@
	echo '{"type": "commonjs"}' > $(WASM_OUT)/package.json

$(TP)/lib-mt/libz.a $(TP)/lib-mt/libpng16.a:
	bash wasm-build/deps.sh

# --- dist ---------------------------------------------------------------------
# web/ packaged for deployment (wasm-build/dist/build.mjs says how); esbuild from npm
# bundles supervox.html. Rebuilt whole each time: it takes about a second.
dist: wasm node_modules/esbuild/package.json
	node wasm-build/dist/build.mjs

node_modules/esbuild/package.json:
	bash wasm-build/deps.sh

deps:
	bash wasm-build/deps.sh

# wasm-build/serve.mjs: loopback only, with COOP/COEP so the page is cross-origin
# isolated and the threaded core runs (python3 -m http.server cannot send them)
serve: deps all
	node wasm-build/serve.mjs web $(PORT)

# Every suite; tests/run-all.sh prints one closing "N passed, N failed" line.
test: deps all dist $(B)/test_core $(B)/supervox-san
	SHARED=$(SHARED) bash tests/run-all.sh

test-c: $(B)/test_core
	SHARED=$(SHARED) $(B)/test_core

test-interop: native $(B)/supervox-san
	SHARED=$(SHARED) /usr/bin/python3 tests/interop/test_nifti_interop.py
	SHARED=$(SHARED) /usr/bin/python3 tests/interop/test_mesh_interop.py
	SHARED=$(SHARED) /usr/bin/python3 tests/interop/test_dicom_png_interop.py
	SHARED=$(SHARED) /usr/bin/python3 tests/interop/test_reorient_interop.py

test-node: wasm native
	SHARED=$(SHARED) node --test tests/node/

test-browser: wasm dist
	SHARED=$(SHARED) node --test --test-concurrency=1 tests/browser/

# Benchmarks side by side with the reference tools; results in tests/out/bench/results.md
bench: deps all
	SHARED=$(SHARED) bash tests/bench/run.sh

# libFuzzer needs clang; ASan+UBSan catch what a malformed file provokes, and
# undefined behaviour stops the run (it would otherwise print and go on).
$(B)/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(B)
	clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Icore/include -I/usr/include/stb $< $(CORE_SRC) -lz -lpng -lm -o $@

# strokes files applied to a phantom's supervoxels (seeds: tests/fuzz/strokes)
fuzz-strokes: $(B)/fuzz_strokes
	@mkdir -p $(B)/fuzz-strokes-corpus
	cp tests/fuzz/strokes/*.json $(B)/fuzz-strokes-corpus/
	$(B)/fuzz_strokes -dict=tests/fuzz/strokes.dict -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
	  -artifact_prefix=$(B)/ $(B)/fuzz-strokes-corpus

fuzz-png: $(B)/fuzz_png
	@mkdir -p $(B)/fuzz-png-corpus
	SHARED=$(SHARED) bash tests/fuzz/seed_png.sh $(B)/fuzz-png-corpus
	$(B)/fuzz_png -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
	  -artifact_prefix=$(B)/ $(B)/fuzz-png-corpus

# label maps made from the input bytes (seeds: only the inputs that once failed)
fuzz-mesh: $(B)/fuzz_mesh
	@mkdir -p $(B)/fuzz-mesh-corpus
	cp tests/fuzz/regressions/mesh-* $(B)/fuzz-mesh-corpus/
	$(B)/fuzz_mesh -max_total_time=$(FUZZ_SECONDS) -max_len=4100 -rss_limit_mb=2048 -timeout=10 \
	  -artifact_prefix=$(B)/ $(B)/fuzz-mesh-corpus

# the DICOM reader, the same way (a separate corpus)
fuzz-dicom: $(B)/fuzz_dicom
	@mkdir -p $(B)/fuzz-dicom-corpus
	SHARED=$(SHARED) bash tests/fuzz/seed_dicom.sh $(B)/fuzz-dicom-corpus
	$(B)/fuzz_dicom -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
	  -artifact_prefix=$(B)/ $(B)/fuzz-dicom-corpus

fuzz: $(B)/fuzz_nifti
	@mkdir -p $(B)/fuzz-corpus
	SHARED=$(SHARED) bash tests/fuzz/seed.sh $(B)/fuzz-corpus
	$(B)/fuzz_nifti -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
	  -artifact_prefix=$(B)/ $(B)/fuzz-corpus

clean:
	rm -rf $(B) $(WASM_OUT) dist
