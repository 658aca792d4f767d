#!/usr/bin/env bash
# Installs what the Python and Node examples need (ExamplesTest in the worker module skips an example without them):
#   python: fastavro and kafka-python from requirements.txt, pip --user. Where PyPI cannot be reached but Debian's
#           archive can, Debian's python3-kafka for /usr/bin/python3 and fastavro from pip's other sources instead
#           (ExamplesTest tries $UMBRA_PYTHON, python3, then /usr/bin/python3).
#   node:   avsc and kafkajs at package-lock.json's versions (npm ci).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${UMBRA_PYTHON:-python3}"
# A --user install leaves the system's packages alone; Debian's pip refuses it without this.
export PIP_BREAK_SYSTEM_PACKAGES=1
status=0

if ! "$python" -m pip install --user -r "$here/python/requirements.txt"; then
  echo "setup.sh: pip could not install requirements.txt; trying Debian's python3-kafka for /usr/bin/python3" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if command -v apt-get >/dev/null && $sudo apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-kafka python3-pip; then
    /usr/bin/python3 -m pip install --user "$(grep '^fastavro' "$here/python/requirements.txt")" || status=1
  else
    status=1
  fi
fi

(cd "$here/node" && npm ci --no-audit --no-fund) || status=1

for p in "${UMBRA_PYTHON:-}" python3 /usr/bin/python3; do
  if [ -n "$p" ] && "$p" -c "import fastavro, kafka" 2>/dev/null; then
    echo "setup.sh: python example ready with $p"
    break
  fi
done
[ -d "$here/node/node_modules/avsc" ] && [ -d "$here/node/node_modules/kafkajs" ] && echo "setup.sh: node example ready"
exit $status
