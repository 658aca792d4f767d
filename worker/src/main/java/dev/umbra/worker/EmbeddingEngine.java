package dev.umbra.worker;

import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.ModelIdentity;
import java.util.List;
import java.util.Objects;

/**
 * What the worker needs from a model: batched prompt-plus-noise to image embeddings. Implementations are called from
 * one thread at a time (the batcher's).
 */
public interface EmbeddingEngine {

    /**
     * Embeds N rows in one batch.
     *
     * @param prompts N prompts, one per row (a prompt repeats once per image)
     * @param noise   [N][{@link #embeddingDim()}] prior noise rows
     * @return text and image embeddings of the N rows, with stage timings
     */
    EmbeddingResult embed(List<String> prompts, float[][] noise);

    /** E: the size of an image embedding and of a noise row. */
    int embeddingDim();

    /** The model's name as served and its checkpoints. */
    ModelIdentity identity();

    /** The ECLIPSE model as an engine; the caller keeps owning (and closing) the model. */
    static EmbeddingEngine of(EclipseModel model) {
        Objects.requireNonNull(model, "model");
        return new EmbeddingEngine() {
            @Override
            public EmbeddingResult embed(List<String> prompts, float[][] noise) {
                // The worker publishes pooled embeddings only: skip copying the [N,77,H] hidden states.
                return model.embed(prompts, noise, false);
            }

            @Override
            public int embeddingDim() {
                return model.embeddingDim();
            }

            @Override
            public ModelIdentity identity() {
                return model.identity();
            }
        };
    }
}
