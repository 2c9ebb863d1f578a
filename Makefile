# Borderwatch: the two set-up commands are `make demo` and `make test`.
GO ?= go
UI := web/ui
# npm ci writes this file; it is older than the lock file when packages must be reinstalled.
UI_DEPS := $(UI)/node_modules/.package-lock.json
# Every file under src/ (views live in sub-folders), so that editing one rebuilds the bundle.
UI_SRC := $(shell find $(UI)/src -type f 2>/dev/null) $(UI)/build.mjs

.PHONY: demo test build ui vet bench fuzz clean

## demo: build everything and run the server with a simulated fleet (http://127.0.0.1:8080)
demo: build
	./bin/borderwatch demo

## test: build the UI, vet, check formatting, run the UI's unit tests (node's
## own runner) and every Go test with the race detector
test: ui vet
	cd $(UI) && npm test --silent
	$(GO) test -race -timeout 20m ./...

## build: the borderwatch binary in bin/, with the UI embedded
build: ui
	$(GO) build -o bin/borderwatch ./cmd/borderwatch

## ui: install the UI's npm packages from the lock file (when needed) and bundle them into web/ui/dist
ui: $(UI)/dist/index.html

$(UI_DEPS): $(UI)/package.json $(UI)/package-lock.json
	cd $(UI) && npm ci --no-audit --no-fund

$(UI)/dist/index.html: $(UI_DEPS) $(UI_SRC)
	cd $(UI) && npm run --silent build

vet:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './web/ui/node_modules/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi

## bench: run every benchmark once (figures go to docs/performance.md)
bench: ui
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: run each fuzz test for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin $(UI)/node_modules
	find $(UI)/dist -mindepth 1 ! -name .gitkeep -delete
