# racecourse: C concurrency exercises with an auto-grader.
#
#   make grade        grade your work (every exercise, or EX=slug)
#   make check        one exercise's public tests, fast (EX=slug; TEST=name: one test)
#   make debug        one public test under gdb (EX=slug TEST=name)
#   make replay       one test again in the schedule a report named (EX=slug TEST=name SEED=0x...)
#   make watch        make check again on every save
#   make progress     which exercises are done, and which is next
#   make test         the kit's own tests (instructors and CI)
#   make help         every target
#
# Per-exercise rules are derived from manifest.ini (read through
# `build/grade --make-vars`), never written out by hand.

SHELL := /bin/bash
CC := gcc
BUILD := build
Q := $(if $(V),,@)

GRADER_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes \
                 -Wmissing-prototypes -Igrader -MMD -MP
GRADER_LIBS := -lcjson -lexpat -linih -pthread -lm
GRADER_SRCS := $(wildcard grader/*.c)
GRADER_OBJS := $(patsubst grader/%.c,$(BUILD)/grader/%.o,$(GRADER_SRCS))
GRADER_LIB_OBJS := $(filter-out $(BUILD)/grader/main.o,$(GRADER_OBJS))
# Modules only the kit's tools use (build/tsan-report), never build/grade.
TOOL_ONLY_OBJS := $(BUILD)/grader/tsan_report.o

# Goals that must work before the grader can be built.
NO_GRADER_GOALS := deps clean help

.PHONY: all deps grade test bench soak release demo check race clean help
all: $(BUILD)/grade

deps:
	$(Q)scripts/deps.sh

# Installs missing packages (saying so) before anything is compiled.
$(BUILD)/.deps: scripts/deps.sh
	$(Q)scripts/deps.sh --check 2>/dev/null || scripts/deps.sh
	$(Q)mkdir -p $(BUILD) && touch $@

$(BUILD)/grader/%.o: grader/%.c $(BUILD)/.deps
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GRADER_CFLAGS) -c $< -o $@

$(BUILD)/grade: $(filter-out $(TOOL_ONLY_OBJS),$(GRADER_OBJS))
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) -o $@ $^ $(GRADER_LIBS)

-include $(GRADER_OBJS:.o=.d)

ifeq ($(filter $(NO_GRADER_GOALS),$(MAKECMDGOALS)),)
# The manifest as make variables: RC_EXERCISES, RC_LIBS_<slug>, ...
$(BUILD)/manifest.mk: manifest.ini $(BUILD)/grade
	$(Q)$(BUILD)/grade --make-vars > $@
include $(BUILD)/manifest.mk
endif

# ---- students ----

# A score below full marks is a result, not a failure of make: only a
# usage or setup error (exit status 2) stops it.
# scripts/student/grade builds with the course's copies of the files the
# grader does not take from the submission, and warns about each one changed.
GRADE_FLAGS ?=
grade: $(BUILD)/grade
	$(Q)scripts/student/grade $(GRADE_FLAGS) $(EX) || [ $$? -lt 2 ]

# A demo program beside an exercise (exercises/<slug>/demo.c), built with
# the student's file as the build profile "demo" says (grader/build_profiles.c):
# `make demo EX=five_tasks DEMO_FLAGS="--scale 0.05"`.
demo:
	@test -n "$(EX)" || { echo "usage: make demo EX=<exercise>"; exit 2; }
	@test -f exercises/$(EX)/demo.c || { echo "exercise $(EX) has no demo"; exit 2; }
	$(Q)$(MAKE) --no-print-directory $(BUILD)/demo/$(EX)
	$(Q)$(BUILD)/demo/$(EX) $(DEMO_FLAGS)

# Any pthread program under the controlled scheduler (docs/explore.md):
# `make explore FILE=prog.c EXPLORE_FLAGS="--strategy pct"`.  A failing
# schedule found is a result, not an error of make.
EXPLORE_FLAGS ?=
.PHONY: explore
explore: $(BUILD)/grade
	@test -n "$(FILE)" || { echo "usage: make explore FILE=prog.c [EXPLORE_FLAGS=...]"; exit 2; }
	$(Q)$(BUILD)/grade explore $(EXPLORE_FLAGS) $(FILE) || [ $$? -lt 2 ]

# The student's loop (docs/student-tools.md): one exercise's public tests
# (check), again on every save (watch), the overview (progress), the race
# checks (race: Helgrind, as graded; tsan: ThreadSanitizer, faster) and what
# the tests run of the student's file (coverage, COVERAGE_HTML=1 for HTML).
# Like grade, a result below full marks is not an error of make.
.PHONY: check watch progress race tsan coverage debug replay
check watch race tsan coverage progress debug replay: $(BUILD)/grade
check watch race tsan coverage:
	$(Q)scripts/student/$@ $(if $(filter coverage,$@),$(if $(filter 1 yes,$(COVERAGE_HTML)),--html)) $(if $(and $(TEST),$(filter check,$@)),--test $(TEST)) $(if $(and $(REPEAT),$(filter check race,$@)),--repeat $(REPEAT)) $(EX) || [ $$? -lt 2 ]
debug:
	$(Q)scripts/student/debug $(EX) $(TEST)
replay:
	$(Q)scripts/student/replay $(EX) $(TEST) $(SEED) || [ $$? -lt 2 ]
progress:
	$(Q)scripts/student/progress || [ $$? -lt 2 ]
tsan: $(BUILD)/tsan-report

# Says ThreadSanitizer's logs in plain words (grader/tools/tsan_report_main.c).
$(BUILD)/tsan-report: grader/tools/tsan_report_main.c $(GRADER_LIB_OBJS)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(GRADER_CFLAGS) -o $@ $^ $(GRADER_LIBS)

# ---- the kit's own tests ----

UNIT_TESTS := $(patsubst grader/tests/%.c,$(BUILD)/tests/%,$(wildcard grader/tests/test_*.c))

$(BUILD)/tests/%: grader/tests/%.c $(GRADER_LIB_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GRADER_CFLAGS) -o $@ $(filter-out %.h,$^) $(GRADER_LIBS)

# The descriptor and printing guards are harness files (linked into test
# programs, not into the grader): their tests are built from the files.
$(BUILD)/tests/test_fd_guard: grader/tests/test_fd_guard.c harness/fd_guard.c $(BUILD)/.deps
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GRADER_CFLAGS) -Wno-missing-prototypes -o $@ $(filter %.c,$^) -luv
$(BUILD)/tests/test_resource_check: grader/tests/test_resource_check.c harness/resource_check.c \
		harness/resource_check.h $(BUILD)/.deps
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GRADER_CFLAGS) -o $@ $(filter %.c,$^)
$(BUILD)/tests/test_print_guard: grader/tests/test_print_guard.c harness/print_guard.c \
		$(BUILD)/.deps
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GRADER_CFLAGS) -Wno-missing-prototypes -Wl,--wrap=_exit -o $@ \
		$(filter %.c,$^)
# The fault injection of test binaries, linked as they link it (the wrap
# lists of harness/wraps/, as grader/build_profiles.c uses them).
comma := ,
FAULT_WRAP_LISTS := harness/wraps/faults.txt harness/wraps/faults_uv.txt
FAULT_WRAPS := $(addprefix -Wl$(comma)--wrap=,$(shell sed 's/\#.*//' $(FAULT_WRAP_LISTS)))
FAULT_SOURCES := harness/fault_inject.c harness/fault_inject_uv.c
$(BUILD)/tests/test_fault_inject: grader/tests/test_fault_inject.c $(FAULT_SOURCES) \
		harness/fault_inject.h $(FAULT_WRAP_LISTS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GRADER_CFLAGS) -I harness -o $@ $(filter %.c,$^) $(FAULT_WRAPS) -luv -pthread

# The controlled scheduler (scheduler/, docs/scheduler.md): its test
# programs are built as the contract says (every scheduler/*.c, a
# -Wl,--wrap= for each line of scheduler/wrapped-calls.txt), and its tests
# run them (strategies, virtual time, verdicts, faults, replay, report).
# Kit only: the student repository gets scheduler/ for `make explore`, not its tests.
ifneq ($(wildcard scheduler/tests/test_scheduler.c),)
SCHED_SOURCES := $(wildcard scheduler/*.c)
SCHED_WRAPS := $(addprefix -Wl$(comma)--wrap=,$(shell sed 's/\#.*//' scheduler/wrapped-calls.txt))
SCHED_CFLAGS := -std=gnu11 -g -O1 -pthread -Wall -Wextra -I scheduler
SCHED_PROGRAMS := $(patsubst scheduler/tests/programs/%.c,$(BUILD)/scheduler/%, \
                  $(wildcard scheduler/tests/programs/*.c))
$(BUILD)/scheduler/%: scheduler/tests/programs/%.c $(SCHED_SOURCES) $(wildcard scheduler/*.h) \
		scheduler/wrapped-calls.txt harness/fault_inject.c harness/fault_inject.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(SCHED_CFLAGS) -o $@ $< $(SCHED_SOURCES) $(SCHED_WRAPS)
# guarded is linked like a test binary: the harness's exit guard beside the
# scheduler (harness/exit_guard.h), with the grader's exit wraps.
SCHED_GUARD := harness/exit_guard.c harness/test_support.c
$(BUILD)/scheduler/guarded: scheduler/tests/programs/guarded.c $(SCHED_SOURCES) \
		$(wildcard scheduler/*.h) scheduler/wrapped-calls.txt $(SCHED_GUARD) \
		harness/exit_guard.h harness/helgrind_hidden.h harness/racecourse_test.h \
		harness/fault_inject.c harness/fault_inject.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(SCHED_CFLAGS) -I harness -o $@ $< $(SCHED_GUARD) $(SCHED_SOURCES) \
		$(SCHED_WRAPS) -Wl,--wrap=exit,--wrap=_exit,--wrap=_Exit,--wrap=quick_exit
# schedules is a Criterion test binary linked as the grader links one under
# the scheduler: the harness's exit guard, printing guard and schedules per
# test (harness/test_schedules.c) beside it, with their wrap lists.
SCHED_CRITERION := harness/exit_guard.c harness/test_support.c harness/print_guard.c \
                   harness/test_schedules.c
SCHED_CRITERION_WRAPS := $(addprefix -Wl$(comma)--wrap=,$(shell sed 's/\#.*//' \
                         harness/wraps/exit.txt harness/wraps/schedules.txt))
$(BUILD)/scheduler/schedules: scheduler/tests/programs/schedules.c $(SCHED_SOURCES) \
		$(wildcard scheduler/*.h) scheduler/wrapped-calls.txt $(SCHED_CRITERION) \
		harness/exit_guard.h harness/helgrind_hidden.h harness/racecourse_test.h harness/test_schedules.h \
		harness/wraps/exit.txt harness/wraps/schedules.txt \
		harness/fault_inject.c harness/fault_inject.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(SCHED_CFLAGS) -I harness -o $@ $< $(SCHED_CRITERION) $(SCHED_SOURCES) \
		$(SCHED_WRAPS) $(SCHED_CRITERION_WRAPS) -lcriterion
# uvpipe and uvsync link libuv statically, so that its own clock reads and epoll
# waits are wrapped too (docs/scheduler.md).
$(BUILD)/scheduler/uvpipe $(BUILD)/scheduler/uvsync: $(BUILD)/scheduler/%: \
		scheduler/tests/programs/%.c $(SCHED_SOURCES) \
		$(wildcard scheduler/*.h) scheduler/wrapped-calls.txt \
		harness/fault_inject.c harness/fault_inject.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(SCHED_CFLAGS) -o $@ $< $(SCHED_SOURCES) $(SCHED_WRAPS) -l:libuv_a.a
$(BUILD)/tests/test_scheduler: scheduler/tests/test_scheduler.c grader/tests/check.h $(SCHED_PROGRAMS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GRADER_CFLAGS) -DSCHED_PROGRAMS='"$(BUILD)/scheduler"' -o $@ $< -lcjson
UNIT_TESTS += $(BUILD)/tests/test_scheduler
SCHED_BENCH := $(BUILD)/scheduler/small $(BUILD)/scheduler/points
endif

# The unit tests include the tests' own headers (check.h, report_checks.h):
# a change there rebuilds them all.
$(UNIT_TESTS): $(wildcard grader/tests/*.h)

# The rules of one exercise, derived from the manifest for each of them:
# its kit check (reference 100, stub 0, every mutant below 100) and its
# demo program, built with the student's file.
define EXERCISE_RULES
.PHONY: kit-check-$(1)
kit-check-$(1): $(BUILD)/grade
	$(Q)scripts/check-exercise $(1)

$(BUILD)/demo/$(1): exercises/$(1)/demo.c exercises/$(1)/$(1).c exercises/$(1)/$(1).h \
		$(BUILD)/grade
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  CC      $$@")
	$$(Q)source scripts/student/lib.sh && rc_build demo $(1) && \
	    rc_build_program exercises/$(1)/$(1).c $$@.o $$@
endef
$(foreach ex,$(RC_EXERCISES),$(eval $(call EXERCISE_RULES,$(ex))))

# The kit's own tests: their programs built side by side, a compile a
# core (unless make was given its own -j), then run (scripts/run-tests).
test:
	$(Q)$(MAKE) --no-print-directory $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(shell nproc)) \
	    $(BUILD)/grade $(UNIT_TESTS)
	$(Q)scripts/run-tests $(UNIT_TESTS) -- $(addprefix kit-check-,$(RC_EXERCISES))

# Kit-only targets: the student repository has no solutions to time.
KIT_ONLY = @test -d solutions || { echo "make $@ is for the kit, not the student repository"; exit 2; }

bench: $(BUILD)/grade $(SCHED_BENCH)
	$(KIT_ONLY)
	$(Q)scripts/bench
	$(Q)scheduler/bench $(BUILD)/scheduler

# Grades with one core kept busy: every reference solution 20 times, or
# (WHAT=designs) every design 10 times, or (WHAT=mutants) every mutant 5
# times, one grade each time; RUNS=N, EX=SLUG (scripts/soak).
soak: $(BUILD)/grade
	$(KIT_ONLY)
	$(Q)scripts/soak $(if $(filter designs mutants,$(WHAT)),--$(WHAT)) $(RUNS) $(EX)

# The student repository (dist/student, or OUT=DIR) and the hidden tests
# for a private tests repository (dist/hidden-tests); a release again keeps
# their .git: docs/instructor-guide.md.
release: $(BUILD)/grade
	$(KIT_ONLY)
	$(Q)scripts/release $(if $(OUT),--student-dir "$(OUT)")

# dist/ goes too, unless a release folder in it is a git clone you made
# (docs/instructor-guide.md): then it stays, and make says so.
clean:
	rm -rf $(BUILD)
	@if compgen -G 'dist/*/.git' >/dev/null; then \
	    echo "make clean: dist/ kept: $$(echo dist/*/.git | sed 's|/\.git||g') holds your git history"; \
	else rm -rf dist; fi

# `make help` says what each target does where it runs: the kit (it has
# solutions/) or the student repository, which has no kit-only target.
IN_KIT := $(wildcard solutions)

help:
	@sed -n 's/^#   //p' Makefile | $(if $(IN_KIT),cat,grep -v '^make test ')
	@echo "  make deps         install the Debian/Ubuntu packages the $(if $(IN_KIT),kit,exercises) need$(if $(IN_KIT),s)"
	@echo "  make race         EX=slug: the race check alone (REPEAT=10: ten runs; make tsan EX=slug: ThreadSanitizer's)"
	@echo "  make coverage     EX=slug: what the tests run of your file (COVERAGE_HTML=1 for HTML)"
	@echo "  make explore      FILE=prog.c: every interleaving's bugs, by seed (docs/explore.md)"
	@echo "  make grade        GRADE_FLAGS='--json out.json' EX=bounded_queue"
ifneq ($(IN_KIT),)
	@echo "  make test         unit tests, hostile submissions, and the kit check"
	@echo "  make bench        time grading one submission and a class, and explore's search"
	@echo "  make release      the student repository (OUT=DIR) and the hidden tests, in dist/"
	@echo "  make clean        remove build/ and dist/ (not a dist/ folder you made a git clone)"
else
	@echo "  make test         every exercise against the public tests, as make grade"
	@echo "  make clean        remove build/"
endif
