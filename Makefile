# Every target creates (once) and reuses the virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Debian packages: Tesseract with its Vietnamese model (plan import reads scanned and
# garbled PDFs by OCR), LibreOffice's Writer without its GUI (plan import converts Word
# 97-2003 .doc files, which portals still publish, to .docx with it), the DejaVu fonts
# (the tests draw their PDFs with them) and Chromium (the workspace's browser tests drive
# it headless through Playwright; no browser is ever downloaded by Playwright itself).
SYSTEM := $(VENV)/.system-stamp
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie libreoffice-writer-nogui fonts-dejavu-core chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HAVE_SYSTEM := tesseract --list-langs 2>/dev/null | grep -qx vie \
	&& command -v soffice >/dev/null \
	&& test -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf \
	&& test -x /usr/bin/chromium

# The Vietnamese catalogue of the CLI, compiled (committed too: this keeps it current
# when the .po changes; `python -m engine.locale` updates the .po from the source).
PO := engine/locale/vi/LC_MESSAGES/nhacviec.po
MO := engine/locale/vi/LC_MESSAGES/nhacviec.mo

.PHONY: demo test bench corpus lint venv system clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing nhacviec and its dependencies into $(VENV) (log: $(VENV)/pip.log)"
	@{ $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[dev]'; } \
	  >$(VENV)/pip.log 2>&1 || { tail -n 30 $(VENV)/pip.log; exit 1; }
	@touch $(STAMP)

# Installed with apt-get when missing (lists refreshed only if the first try fails);
# the stamp is written only once they are there, so a failed install is tried again.
$(SYSTEM):
	@mkdir -p $(VENV)
	@if $(HAVE_SYSTEM); then :; \
	elif command -v apt-get >/dev/null; then \
	  echo "installing $(APT_PACKAGES) (log: $(VENV)/apt.log)"; \
	  { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(APT_PACKAGES) \
	    || { $(SUDO) apt-get update -q && \
	         $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(APT_PACKAGES); }; \
	  } >$(VENV)/apt.log 2>&1 || { tail -n 20 $(VENV)/apt.log; exit 1; }; \
	else echo "warning: install $(APT_PACKAGES) (no apt-get here): OCR and browser tests will skip"; fi
	@if $(HAVE_SYSTEM); then touch $@; fi

$(MO): $(PO) $(STAMP)
	$(BIN)/python -m engine.locale --compile

venv: $(STAMP) $(MO)

system: $(SYSTEM)

demo: $(STAMP) $(SYSTEM) $(MO)
	$(BIN)/python -m engine.demo

# The suite runs on every core (pytest-xdist): each test has its own files, ports and
# PostgreSQL schema, so the workers never share state; a test alone runs as usual.
test: $(STAMP) $(SYSTEM) $(MO)
	$(BIN)/python -m pytest -n auto

bench: $(STAMP) $(SYSTEM) $(MO)
	$(BIN)/python -m bench

corpus: $(STAMP) $(SYSTEM) $(MO)
	$(BIN)/python -m bench.corpus

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .demo build *.egg-info
