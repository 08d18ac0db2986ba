#!/usr/bin/env bash
# The PDF reports are printed by a headless Chromium. Install Debian's or Ubuntu's package when it is missing and
# this shell may (root and apt-get); otherwise print the one command that does. Never fails the build: without a
# browser the run still writes every HTML report and workbook, and warns that the PDFs are left out.
set -uo pipefail
for name in chromium chromium-browser google-chrome; do
  if command -v "$name" >/dev/null 2>&1; then
    exit 0
  fi
done
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing chromium (prints the PDF reports)..."
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); then
    exit 0
  fi
  echo "note: chromium could not be installed; the reports will have no PDF" >&2
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  echo "note: no browser to print the PDF reports; install one with: sudo apt-get install chromium" >&2
else
  echo "note: no browser to print the PDF reports; install Chromium or Google Chrome from your system's packages" >&2
fi
exit 0
