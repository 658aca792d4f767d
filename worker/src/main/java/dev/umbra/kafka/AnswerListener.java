package dev.umbra.kafka;

import dev.umbra.schemas.ImageResult;

/**
 * Told of every answer once the broker has acknowledged it: metrics and the gallery listen here, so the worker does not
 * grow with each of them. Called on the worker's event loop: it must return quickly and must not throw.
 */
@FunctionalInterface
public interface AnswerListener {

    /**
     * @param result   the answer as published (a result), or as handed on to the decoders (the prior role's OK
     *                 answers, published as PriorOutputs: then {@code handedOn} is true and it has no pictures yet)
     * @param handedOn whether it went to the embeddings topic rather than the results topic
     */
    void published(ImageResult result, boolean handedOn);
}
