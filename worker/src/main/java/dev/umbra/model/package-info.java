/**
 * The ECLIPSE model runtime on DJL: {@link dev.umbra.model.EclipseModel} loads a tokenizer, a CLIP text encoder
 * and an ECLIPSE prior and runs them batched. Knows nothing of Kafka or of the worker.
 */
package dev.umbra.model;
