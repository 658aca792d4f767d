package dev.umbra.kafka;

import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.ModelIdentity;
import dev.umbra.worker.EmbeddingEngine;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The real engine behind a gate: inference blocks until the test opens it (bounded), to hold work in flight. */
final class GatedEngine implements EmbeddingEngine {

    private final EmbeddingEngine delegate;
    private final CountDownLatch gate = new CountDownLatch(1);
    private final CountDownLatch entered = new CountDownLatch(1);

    GatedEngine(EmbeddingEngine delegate) {
        this.delegate = delegate;
    }

    void open() {
        gate.countDown();
    }

    /** Waits until a batch is blocked at the gate. */
    boolean awaitBlocked() throws InterruptedException {
        return entered.await(KafkaTestKit.WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public EmbeddingResult embed(List<String> prompts, float[][] noise) {
        entered.countDown();
        try {
            if (!gate.await(KafkaTestKit.WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return delegate.embed(prompts, noise);
    }

    @Override
    public int embeddingDim() {
        return delegate.embeddingDim();
    }

    @Override
    public ModelIdentity identity() {
        return delegate.identity();
    }
}
