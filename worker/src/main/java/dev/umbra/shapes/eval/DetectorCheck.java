package dev.umbra.shapes.eval;

import dev.umbra.shapes.detect.Detector;
import dev.umbra.shapes.detect.SceneJudge;
import dev.umbra.shapes.world.Renderer;
import dev.umbra.shapes.world.Rendering;
import dev.umbra.shapes.world.Scene;
import dev.umbra.shapes.world.SceneObject;
import dev.umbra.shapes.world.SceneSampler;
import dev.umbra.shapes.world.ShapesWorld;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The detector against ground truth: renders of random scenes over all 24 combinations (the detector learns
 * nothing, so the held-out ones are fair game), scored as generated pictures are. Every other number of
 * {@code eval} rests on this one.
 */
public final class DetectorCheck {

    /** The least accuracy on color, shape and relation for the detector's verdicts to be trusted. */
    public static final double REQUIRED = 0.95;

    private DetectorCheck() {}

    public static Scores run(int scenes, long seed) {
        List<SceneObject> all = new ArrayList<>(ShapesWorld.seenCombinations());
        all.addAll(ShapesWorld.unseenCombinations());
        SceneSampler sampler = new SceneSampler(all, 0.5, 0.35);
        SplittableRandom random = new SplittableRandom(seed);
        Scores scores = new Scores();
        for (int i = 0; i < scenes; i++) {
            Scene scene = sampler.sample(random);
            Rendering r = Renderer.render(scene, random);
            scores.add(SceneJudge.judge(scene, Detector.detect(r.rgb(), ShapesWorld.CANVAS)), 0);
        }
        return scores;
    }

    public static boolean trusted(Scores s) {
        return s.color() >= REQUIRED && s.shape() >= REQUIRED && s.relation() >= REQUIRED;
    }
}
