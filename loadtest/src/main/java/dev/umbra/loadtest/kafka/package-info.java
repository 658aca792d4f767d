/** The load generator's Kafka side: client settings, and the transport that sends prompts and reads results. */
package dev.umbra.loadtest.kafka;
