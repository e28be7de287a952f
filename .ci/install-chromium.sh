#!/bin/sh
# Installs headless Chromium for the report.html browser test (ChromiumReportTests), when it is not there yet.
# Debian package `chromium`; quiet unless something fails. The tests skip with a message when it is absent.
set -eu
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq chromium >/tmp/install-chromium.log 2>&1; then
    apt-get update -qq >>/tmp/install-chromium.log 2>&1
    apt-get install -y -qq chromium >>/tmp/install-chromium.log 2>&1 || {
        echo "install-chromium: apt-get install chromium failed; see /tmp/install-chromium.log" >&2
        exit 1
    }
fi
