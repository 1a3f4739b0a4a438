# kimi-profiles: `make install` builds and installs; `make test` runs every test.
# Both install the Debian packages they need first (as root, or through sudo).

PREFIX ?= $(HOME)/.local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
# Where each shell looks for completions under PREFIX.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
SWIFT  ?= swift
# The installed binary links the Swift runtime and libstdc++ statically: together they take
# about 1.5 ms off every start (measured with scripts/bench). GNU ld applies every -L to every -l,
# so a folder holding only libstdc++.a makes the runtime's -lstdc++ resolve to the archive.
# libssl, libcrypto and libsqlite3 stay shared, so Debian's security updates reach them.
STATIC_CXX   = $(CURDIR)/.build/static-libstdc++
RELEASE_FLAGS = -c release --static-swift-stdlib --product kimi-profiles -Xlinker -L$(STATIC_CXX)

BUILD_PACKAGES = libssl-dev libsqlite3-dev
TEST_PACKAGES  = $(BUILD_PACKAGES) mandoc zsh fish

.PHONY: all build bin-path install uninstall test bench deps test-deps clean

all: build

# Installs the packages listed in $(1) that dpkg does not have yet.
define ensure_packages
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "installing:$$missing"; \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

deps:
	$(call ensure_packages,$(BUILD_PACKAGES))

test-deps:
	$(call ensure_packages,$(TEST_PACKAGES))

build: deps $(STATIC_CXX)
	$(SWIFT) build $(RELEASE_FLAGS)

$(STATIC_CXX):
	@mkdir -p "$@"; archive="$$(gcc -print-file-name=libstdc++.a 2>/dev/null)"; \
	if [ -f "$$archive" ]; then ln -sf "$$archive" "$@/libstdc++.a"; \
	else echo "note: no libstdc++.a; linking libstdc++ dynamically"; fi

# The path of the release binary, for scripts.
bin-path:
	@echo "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/kimi-profiles"

install: build
	install -d -m 0755 "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(MANDIR)/man5"
	install -m 0755 "$$($(MAKE) -s bin-path)" "$(DESTDIR)$(BINDIR)/kimi-profiles"
	install -m 0644 Manpages/kimi-profiles.1 "$(DESTDIR)$(MANDIR)/man1/kimi-profiles.1"
	install -m 0644 Manpages/kimi-profile.5 "$(DESTDIR)$(MANDIR)/man5/kimi-profile.5"
	install -d -m 0755 "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(ZSHCOMPDIR)" "$(DESTDIR)$(FISHCOMPDIR)"
	@bin="$(DESTDIR)$(BINDIR)/kimi-profiles"; set -e; \
	"$$bin" completion bash > "$(DESTDIR)$(BASHCOMPDIR)/kimi-profiles"; \
	"$$bin" completion zsh > "$(DESTDIR)$(ZSHCOMPDIR)/_kimi-profiles"; \
	"$$bin" completion fish > "$(DESTDIR)$(FISHCOMPDIR)/kimi-profiles.fish"; \
	chmod 0644 "$(DESTDIR)$(BASHCOMPDIR)/kimi-profiles" "$(DESTDIR)$(ZSHCOMPDIR)/_kimi-profiles" \
		"$(DESTDIR)$(FISHCOMPDIR)/kimi-profiles.fish"; \
	echo "installed completions for bash, zsh and fish"
	@echo "installed $(DESTDIR)$(BINDIR)/kimi-profiles"
	@"$(DESTDIR)$(BINDIR)/kimi-profiles" --version

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/kimi-profiles" "$(DESTDIR)$(MANDIR)/man1/kimi-profiles.1" \
		"$(DESTDIR)$(MANDIR)/man5/kimi-profile.5" "$(DESTDIR)$(BASHCOMPDIR)/kimi-profiles" \
		"$(DESTDIR)$(ZSHCOMPDIR)/_kimi-profiles" "$(DESTDIR)$(FISHCOMPDIR)/kimi-profiles.fish"

# XCTest only: its summary ("Executed N tests, with 0 failures") is the last line printed.
test: test-deps
	$(SWIFT) test --disable-swift-testing

bench: deps
	scripts/bench

clean:
	rm -rf .build
