package dev.umbra.model;

import java.util.List;

/**
 * A loaded ECLIPSE model: CLIP tokenizer, CLIP text encoder and ECLIPSE prior, run batched.
 * STUB: the real implementation lands with the model runtime.
 */
public final class EclipseModel implements AutoCloseable {

    /** Loads the three parts. Throws {@link ModelException} naming the file and the problem. */
    public static EclipseModel load(ModelPaths paths, RuntimeOptions options) {
        throw new UnsupportedOperationException("model runtime not yet landed");
    }

    /**
     * Runs prompts through tokenizer, text encoder and prior in one batch.
     *
     * @param prompts          N prompts (may repeat: one row per image)
     * @param noise            [N][E] prior noise rows
     * @param keepHiddenStates whether to copy the [N,77,H] last_hidden_state out
     */
    public EmbeddingResult embed(List<String> prompts, float[][] noise, boolean keepHiddenStates) {
        throw new UnsupportedOperationException("model runtime not yet landed");
    }

    /** E: the size of a CLIP image embedding and of a noise row. */
    public int embeddingDim() {
        throw new UnsupportedOperationException("model runtime not yet landed");
    }

    public ModelIdentity identity() {
        throw new UnsupportedOperationException("model runtime not yet landed");
    }

    @Override
    public void close() {}
}
