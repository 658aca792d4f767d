/** The Vert.x Kafka edge of the worker: consume PromptRequests, batch, infer off the event loop, publish results. */
package dev.umbra.kafka;
