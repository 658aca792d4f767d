package dev.umbra.shapes.train;

import dev.umbra.io.Images;
import dev.umbra.shapes.world.CaptionGrammar;
import dev.umbra.shapes.world.Renderer;
import dev.umbra.shapes.world.Rendering;
import dev.umbra.shapes.world.Scene;
import dev.umbra.shapes.world.SceneSampler;
import dev.umbra.shapes.world.ShapesWorld;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A training batch drawn from the world: scenes, one rendering and one caption (a random paraphrase) each.
 * Rendering on the fly costs well under a millisecond an image, so no data set is stored and none repeats.
 */
public record SceneBatch(List<Scene> scenes, List<Rendering> renderings, List<String> captions) {

    public static SceneBatch draw(SceneSampler sampler, RandomGenerator random, int size) {
        List<Scene> scenes = new ArrayList<>(size);
        List<Rendering> renderings = new ArrayList<>(size);
        List<String> captions = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            Scene scene = sampler.sample(random);
            scenes.add(scene);
            renderings.add(Renderer.render(scene, random));
            captions.add(CaptionGrammar.caption(scene, random));
        }
        return new SceneBatch(List.copyOf(scenes), List.copyOf(renderings), List.copyOf(captions));
    }

    /** Another rendering of each scene, as its caption describes it: new positions, sizes left open, jitter. */
    public SceneBatch rerendered(RandomGenerator random) {
        List<Rendering> again = new ArrayList<>(size());
        for (Scene scene : scenes) {
            again.add(Renderer.render(scene, random));
        }
        return new SceneBatch(scenes, List.copyOf(again), captions);
    }

    public int size() {
        return scenes.size();
    }

    /** The images as channel-first RGB in [0, 1], {@code [B, 3, 64, 64]} flattened. */
    public float[] pixels() {
        int plane = ShapesWorld.CANVAS * ShapesWorld.CANVAS;
        float[] out = new float[size() * 3 * plane];
        for (int i = 0; i < size(); i++) {
            Images.toChannelsFirst(renderings.get(i).rgb(), out, i * 3 * plane);
        }
        return out;
    }

    /** [B, B], 1 where caption j describes image i: its own always, another's when that shows the same thing. */
    public float[] imageCaptionMatches() {
        int n = size();
        float[] out = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out[i * n + j] = i == j || scenes.get(j).describes(renderings.get(i)) ? 1f : 0f;
            }
        }
        return out;
    }

    /** [B, B], 1 where captions i and j mean the same scene (paraphrases of one). */
    public float[] captionMatches() {
        int n = size();
        float[] out = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                out[i * n + j] = scenes.get(i).key().equals(scenes.get(j).key()) ? 1f : 0f;
            }
        }
        return out;
    }
}
