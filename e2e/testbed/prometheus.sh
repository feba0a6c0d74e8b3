#!/usr/bin/env bash
# Prometheus from Debian (binary only): the alert tests start their own on a free loopback port, scraping
# the process under test with the chart's alert rules. The packaged service is never started.
# Prints the path of the prometheus binary.
source "$(dirname "$0")/lib.sh"
command -v prometheus >/dev/null || apt_install prometheus
command -v prometheus
