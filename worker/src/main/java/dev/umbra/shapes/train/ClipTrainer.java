package dev.umbra.shapes.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.umbra.model.clip.ClipTextModelWithProjection;
import dev.umbra.model.clip.ClipVisionModelWithProjection;
import dev.umbra.shapes.world.SceneSampler;
import dev.umbra.shapes.world.ShapesWorld;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Trains the mini-CLIP: the text and the vision tower together, with symmetric InfoNCE over each batch of
 * rendered scenes and their captions, and a learnable temperature.
 */
public final class ClipTrainer {

    /**
     * @param steps        optimiser steps
     * @param batchSize    scenes per step
     * @param learningRate Adam's peak rate
     * @param hardNegatives two-object scenes per batch that come with a twin in another relation or order
     */
    public record Settings(int steps, int batchSize, float learningRate, int hardNegatives) {}

    private ClipTrainer() {}

    /** Trains the blocks in place (their parameters live in {@code manager}); returns the last loss. */
    public static float train(ClipTextModelWithProjection text, ClipVisionModelWithProjection vision, LogitScale scale,
                              NDManager manager, TokenCache tokens, Settings s, long seed, TrainingLog log) {
        int b = s.batchSize();
        int size = ShapesWorld.CANVAS;
        Learner learner = new Learner(manager, List.of(text, vision, scale), s.learningRate(),
                Math.min(100, s.steps() / 10), s.steps(), 1e-4f);
        SplittableRandom random = new SplittableRandom(seed);
        SceneSampler sampler = SceneSampler.training();
        float[] last = {Float.NaN};
        long start = System.nanoTime();
        for (int step = 1; step <= s.steps(); step++) {
            SceneBatch batch = SceneBatch.draw(sampler, random, b, s.hardNegatives());
            float[] pixels = batch.pixels();
            long[] ids = tokens.ids(batch.captions(), null);
            float[] matches = batch.imageCaptionMatches();
            last = learner.step((scope, ps) -> {
                NDArray x = ClipVisionModelWithProjection.normalize(scope.create(pixels, new Shape(b, 3, size, size)));
                NDArray imageEmbeds = vision.forward(ps, new NDList(x), true).get(0);
                NDArray textEmbeds = text.forward(ps, new NDList(scope.create(ids, new Shape(b, TokenCache.TOKENS))),
                        true).get(0);
                return new NDList(Losses.symmetricInfoNce(imageEmbeds, textEmbeds, scope.create(matches, new Shape(b, b)),
                        scale.value(scope, ps, true)));
            });
            scale.clamp();
            log.step("clip", step, last);
            if (step % 250 == 0 || step == s.steps()) {
                log.say(String.format(Locale.ROOT, "clip: step %d/%d, InfoNCE %.3f, temperature %.4f, %.0f ms/step",
                        step, s.steps(), last[0], Math.exp(-scale.get()), (System.nanoTime() - start) / 1e6 / step));
            }
        }
        return last[0];
    }
}
