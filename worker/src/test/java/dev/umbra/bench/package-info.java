/** JMH benchmarks and the soak run of the model runtime (run by hand, see docs/performance.md; never by mvn test). */
package dev.umbra.bench;
