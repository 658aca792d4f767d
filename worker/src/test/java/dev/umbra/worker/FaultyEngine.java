package dev.umbra.worker;

import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.ModelIdentity;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Fault injection around a real engine: records the rows of every call and, when told, fails the call (as a model
 * that runs out of memory would) or drops output rows (as a broken model would).
 */
final class FaultyEngine implements EmbeddingEngine {

    record Call(List<String> prompts, float[][] noise) {}

    private final EmbeddingEngine delegate;
    final List<Call> calls = new CopyOnWriteArrayList<>();
    volatile RuntimeException failure;
    volatile boolean dropLastRow;
    /** Fails any call that holds this prompt, as a model would on an input it cannot handle. */
    volatile String poison;

    FaultyEngine(EmbeddingEngine delegate) {
        this.delegate = delegate;
    }

    @Override
    public EmbeddingResult embed(List<String> prompts, float[][] noise) {
        calls.add(new Call(List.copyOf(prompts), noise));
        if (failure != null) {
            throw failure;
        }
        if (poison != null && prompts.contains(poison)) {
            throw new IllegalStateException("cannot handle '" + poison + "'");
        }
        EmbeddingResult r = delegate.embed(prompts, noise);
        if (!dropLastRow) {
            return r;
        }
        int n = r.size() - 1;
        return new EmbeddingResult(Arrays.copyOf(r.inputIds(), n), Arrays.copyOf(r.attentionMask(), n),
                Arrays.copyOf(r.textEmbeds(), n), null, Arrays.copyOf(r.imageEmbeds(), n),
                r.timings());
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
