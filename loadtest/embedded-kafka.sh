#!/usr/bin/env bash
# A demo-like Kafka on 127.0.0.1 to point the load tool at: the embedded KRaft broker with the worker's default
# topics, and with `--worker null` a worker on the null model in the same process. Ctrl-C stops it.
# Needs the worker installed (mvn -o -q -B install -pl schemas,worker -DskipTests); it comes from the load tool's
# test classpath, never from the tool itself.
#   loadtest/embedded-kafka.sh [--partitions N] [--worker null|null:E]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -o -q -B -pl loadtest test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test.classpath
exec java -Xmx1g -cp "loadtest/target/test-classes:loadtest/target/classes:$(cat loadtest/target/test.classpath)" \
    dev.umbra.loadtest.EmbeddedSetup "$@"
