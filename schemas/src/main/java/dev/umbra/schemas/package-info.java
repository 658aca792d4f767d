/** Umbra's Kafka event types (classes generated from schemas/avro) and their single-object codec. */
package dev.umbra.schemas;
