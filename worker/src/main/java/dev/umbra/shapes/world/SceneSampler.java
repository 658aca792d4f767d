package dev.umbra.shapes.world;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Draws scenes as prompts describe them: one object or two in a relation, each object's size named or left
 * open. The training sampler never draws a held-out combination, as object or as either object of a pair.
 *
 * @param objects         the color-shape combinations to draw from
 * @param pairProbability how often a scene has two objects
 * @param sizeProbability how often a caption names an object's size
 */
public record SceneSampler(List<SceneObject> objects, double pairProbability, double sizeProbability) {

    /** What every trainer draws from: the 18 seen combinations, 60% pairs, sizes named 35% of the time. */
    public static SceneSampler training() {
        return new SceneSampler(ShapesWorld.seenCombinations(), 0.6, 0.35);
    }

    public SceneSampler {
        objects = List.copyOf(objects);
        if (objects.size() < 2) {
            throw new IllegalArgumentException("a sampler needs at least two combinations to draw pairs");
        }
    }

    public Scene sample(RandomGenerator random) {
        SceneObject a = object(random);
        if (random.nextDouble() >= pairProbability) {
            return Scene.single(a);
        }
        SceneObject b;
        do {
            b = object(random);
        } while (b.color() == a.color() && b.kind() == a.kind());
        Relation relation = Relation.values()[random.nextInt(Relation.values().length)];
        return Scene.pair(a, relation, b);
    }

    private SceneObject object(RandomGenerator random) {
        SceneObject o = objects.get(random.nextInt(objects.size()));
        ObjectSize size = random.nextDouble() < sizeProbability
                ? ObjectSize.values()[random.nextInt(ObjectSize.values().length)] : null;
        return new SceneObject(o.color(), o.kind(), size);
    }
}
