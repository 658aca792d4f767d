package dev.umbra.shapes.train;

import dev.umbra.io.Images;
import dev.umbra.shapes.world.CaptionGrammar;
import dev.umbra.shapes.world.Relation;
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
        return draw(sampler, random, size, 0);
    }

    /**
     * A batch in which up to {@code twins} scenes come with a hard negative. A two-object scene's twin has the same
     * two objects in another relation, or in the other order ("a blue square to the left of a red circle" beside
     * "a red circle to the left of a blue square"); a one-object scene's twin shows its object twice ("a red circle
     * above a red circle" beside "a red circle"). Random batches in this world almost never hold such pairs, and
     * without them a contrastive model learns which objects a picture has but not where they are nor how many,
     * the "bag of words" failure of real CLIP (Yuksekgonul et al., 2023, whose NegCLIP adds such negatives).
     */
    public static SceneBatch draw(SceneSampler sampler, RandomGenerator random, int size, int twins) {
        List<Scene> drawn = new ArrayList<>(size);
        int made = 0;
        while (drawn.size() < size) {
            Scene scene = sampler.sample(random);
            drawn.add(scene);
            if (made < twins && drawn.size() < size) {
                drawn.add(twin(scene, random));
                made++;
            }
        }
        List<Rendering> renderings = new ArrayList<>(size);
        List<String> captions = new ArrayList<>(size);
        for (Scene scene : drawn) {
            renderings.add(Renderer.render(scene, random));
            captions.add(CaptionGrammar.caption(scene, random));
        }
        return new SceneBatch(List.copyOf(drawn), List.copyOf(renderings), List.copyOf(captions));
    }

    /**
     * The same two objects in the other order, or in another relation; or one object twice: a scene that means
     * something else.
     */
    static Scene twin(Scene pair, RandomGenerator random) {
        if (!pair.isPair()) {
            Relation[] all = Relation.values();
            return Scene.pair(pair.first(), all[random.nextInt(all.length)], pair.first());
        }
        if (random.nextBoolean()) {
            return Scene.pair(pair.second(), pair.relation(), pair.first());
        }
        Relation[] all = Relation.values();
        Relation other = all[(pair.relation().ordinal() + 1 + random.nextInt(all.length - 1)) % all.length];
        return Scene.pair(pair.first(), other, pair.second());
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
