package dev.umbra.shapes.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.tokenizer.ClipTokenizer;
import dev.umbra.shapes.train.TokenCache;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaptionGrammarTest {

    @Test
    void paraphrasesOfOneObject() {
        Scene red = Scene.single(SceneObject.of(ShapeColor.RED, ShapeKind.CIRCLE));
        assertEquals(List.of("a red circle", "red circle", "a circle that is red", "a picture of a red circle"),
                CaptionGrammar.paraphrases(red));
        Scene orange = Scene.single(new SceneObject(ShapeColor.ORANGE, ShapeKind.CROSS, ObjectSize.SMALL));
        assertEquals(List.of("a small orange cross", "small orange cross", "a small cross that is orange",
                "a picture of a small orange cross"), CaptionGrammar.paraphrases(orange));
        assertEquals("an orange circle", CaptionGrammar.caption(Scene.single(SceneObject.of(ShapeColor.ORANGE,
                ShapeKind.CIRCLE))));
    }

    @Test
    void paraphrasesOfAPair() {
        Scene pair = Scene.pair(SceneObject.of(ShapeColor.RED, ShapeKind.CIRCLE), Relation.LEFT_OF,
                new SceneObject(ShapeColor.BLUE, ShapeKind.SQUARE, ObjectSize.LARGE));
        List<String> all = CaptionGrammar.paraphrases(pair);
        assertEquals("a red circle to the left of a large blue square", all.get(0));
        assertEquals(4, new HashSet<>(all).size());
        for (String caption : all) {
            assertTrue(caption.contains("red circle") && caption.contains("to the left of")
                    && caption.contains("large blue square"), caption);
        }
        assertEquals(pair.key(), "red circle to the left of large blue square");
    }

    /** Training feeds TokenCache.TOKENS positions: the longest captions the grammar writes must fit, uncut. */
    @Test
    void theLongestCaptionsFitTheTrainingPrefix() {
        List<String> longest = new ArrayList<>();
        for (ShapeColor a : ShapeColor.values()) {
            for (ShapeKind k : ShapeKind.values()) {
                for (Relation r : Relation.values()) {
                    Scene s = Scene.pair(new SceneObject(a, k, ObjectSize.SMALL), r,
                            new SceneObject(ShapeColor.ORANGE, ShapeKind.TRIANGLE, ObjectSize.LARGE));
                    longest.addAll(CaptionGrammar.paraphrases(s));
                }
            }
        }
        try (ClipTokenizer tokenizer = ClipTokenizer.load(EmbeddedModels.defaultTokenizerDir(), 0)) {
            int max = 0;
            long[][] mask = tokenizer.encode(longest).attentionMask();
            for (long[] row : mask) {
                int n = 0;
                for (long m : row) {
                    n += (int) m;
                }
                max = Math.max(max, n);
            }
            assertTrue(max <= TokenCache.TOKENS, "longest caption: " + max + " tokens");
            assertTrue(max >= 17, "every word of the grammar is one token, plus start and end: " + max);
            // and the cache refuses what does not fit rather than cut it
            TokenCache cache = new TokenCache(tokenizer);
            String tooLong = String.join(" ", java.util.Collections.nCopies(30, "red"));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> cache.ids(List.of(tooLong), null));
        }
    }
}
