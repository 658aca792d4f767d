/** A real single-node Apache Kafka KRaft broker run in-process, on loopback only, for {@code demo} and tests. */
package dev.umbra.kafka.broker;
