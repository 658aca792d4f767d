/** The load tool's command line: {@code run} (the load generator) and {@code baseline} (the raw Kafka pipe). */
package dev.umbra.loadtest;
