package dev.umbra.worker;

import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.ModelIdentity;
import dev.umbra.model.StageTimings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small deterministic engine for unit tests of the worker core, until the real model runtime lands: the text
 * embedding is derived from the prompt's hash, the image embedding is text + noise. Records every call and can be
 * told to fail.
 */
final class ScriptedEngine implements EmbeddingEngine {

    static final String NAME = "scripted-test-model";
    static final int DIM = 6;

    record Call(List<String> prompts, float[][] noise) {}

    final List<Call> calls = new CopyOnWriteArrayList<>();
    volatile RuntimeException failure;

    @Override
    public EmbeddingResult embed(List<String> prompts, float[][] noise) {
        calls.add(new Call(List.copyOf(prompts), noise));
        if (failure != null) {
            throw failure;
        }
        int n = prompts.size();
        float[][] text = new float[n][];
        float[][] image = new float[n][DIM];
        for (int r = 0; r < n; r++) {
            text[r] = textEmbedding(prompts.get(r));
            for (int d = 0; d < DIM; d++) {
                image[r][d] = text[r][d] + noise[r][d];
            }
        }
        return new EmbeddingResult(new long[n][77], new long[n][77], text, null, image, new StageTimings(1, 2, 3));
    }

    static float[] textEmbedding(String prompt) {
        java.util.Random random = new java.util.Random(prompt.hashCode());
        float[] row = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            row[d] = (float) random.nextGaussian();
        }
        return row;
    }

    @Override
    public int embeddingDim() {
        return DIM;
    }

    @Override
    public ModelIdentity identity() {
        return new ModelIdentity(NAME, new ArrayList<>(List.of(
                new ModelIdentity.Component("text_encoder", "te", "ab12"),
                new ModelIdentity.Component("prior", "pr", "cd34"))));
    }
}
