/**
 * The load tool's command line: {@code run} (the load generator), {@code baseline} (the raw Kafka pipe) and
 * {@code compare} (runs side by side).
 */
package dev.umbra.loadtest;
