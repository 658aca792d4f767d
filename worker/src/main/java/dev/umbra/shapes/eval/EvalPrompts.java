package dev.umbra.shapes.eval;

import dev.umbra.shapes.world.CaptionGrammar;
import dev.umbra.shapes.world.Relation;
import dev.umbra.shapes.world.Scene;
import dev.umbra.shapes.world.SceneObject;
import dev.umbra.shapes.world.ShapesWorld;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The prompt sets every evaluation uses, fixed by a seed: single objects of the 18 seen and the 6 unseen
 * combinations, and two-object prompts whose objects are both seen, or at least one unseen.
 */
public final class EvalPrompts {

    /** A named set of scenes, each asked for with its plain caption. */
    public record PromptSet(String name, List<Scene> scenes) {
        public List<String> prompts() {
            return scenes.stream().map(CaptionGrammar::caption).toList();
        }
    }

    private EvalPrompts() {}

    public static List<PromptSet> all(int pairsPerSet, long seed) {
        List<Scene> seenSingles = ShapesWorld.seenCombinations().stream().map(Scene::single).toList();
        List<Scene> unseenSingles = ShapesWorld.unseenCombinations().stream().map(Scene::single).toList();
        SplittableRandom random = new SplittableRandom(seed);
        return List.of(
                new PromptSet("single, seen", seenSingles),
                new PromptSet("single, unseen", unseenSingles),
                new PromptSet("pair, seen", pairs(pairsPerSet, false, random)),
                new PromptSet("pair, unseen", pairs(pairsPerSet, true, random)));
    }

    private static SceneObject pick(List<SceneObject> objects, SplittableRandom random) {
        return objects.get(random.nextInt(objects.size()));
    }

    /** Two-object scenes of distinct objects, each relation equally often; {@code unseen}: at least one held out. */
    private static List<Scene> pairs(int n, boolean unseen, SplittableRandom random) {
        List<SceneObject> seen = ShapesWorld.seenCombinations();
        List<SceneObject> heldOut = ShapesWorld.unseenCombinations();
        List<SceneObject> any = new ArrayList<>(seen);
        any.addAll(heldOut);
        List<Scene> out = new ArrayList<>();
        while (out.size() < n) {
            SceneObject a = pick(unseen ? any : seen, random);
            // an unseen pair needs a held-out object: the second is one unless the first already is
            SceneObject b = pick(!unseen ? seen : a.heldOut() ? any : heldOut, random);
            if (a.equals(b)) {
                continue;
            }
            Relation relation = Relation.values()[out.size() % Relation.values().length];
            out.add(random.nextBoolean() ? Scene.pair(a, relation, b) : Scene.pair(b, relation, a));
        }
        return List.copyOf(out);
    }
}
