package dev.umbra.shapes.world;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Writes the world's prompts: for each scene a few paraphrases of the same form ("a red circle", "red circle",
 * "a circle that is red", "a picture of a red circle"; for two objects "a red circle to the left of a blue
 * square" and its variants). Every paraphrase of a scene means exactly that scene.
 */
public final class CaptionGrammar {

    private CaptionGrammar() {}

    /** Every paraphrase of the scene, the plain form first. */
    public static List<String> paraphrases(Scene scene) {
        if (!scene.isPair()) {
            SceneObject o = scene.first();
            return List.of(
                    withArticle(o.words()),
                    o.words(),
                    withArticle(sizeWords(o) + o.kind().word()) + " that is " + o.color().word(),
                    "a picture of " + withArticle(o.words()));
        }
        SceneObject a = scene.first();
        SceneObject b = scene.second();
        String rel = scene.relation().phrase();
        return List.of(
                withArticle(a.words()) + " " + rel + " " + withArticle(b.words()),
                a.words() + " " + rel + " " + b.words(),
                withArticle(a.words()) + " that is " + rel + " " + withArticle(b.words()),
                "a picture of " + withArticle(a.words()) + " " + rel + " " + withArticle(b.words()));
    }

    /** The plain form: "a red circle", "a red circle to the left of a blue square". */
    public static String caption(Scene scene) {
        return paraphrases(scene).get(0);
    }

    /** One paraphrase, drawn uniformly. */
    public static String caption(Scene scene, RandomGenerator random) {
        List<String> all = paraphrases(scene);
        return all.get(random.nextInt(all.size()));
    }

    private static String sizeWords(SceneObject o) {
        return o.size() == null ? "" : o.size().word() + " ";
    }

    private static String withArticle(String words) {
        return ("aeiou".indexOf(words.charAt(0)) >= 0 ? "an " : "a ") + words;
    }
}
