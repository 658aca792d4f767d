package dev.umbra.shapes.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.decoder.shapes.ShapesImageDecoder;
import dev.umbra.shapes.world.Relation;
import dev.umbra.shapes.world.Renderer;
import dev.umbra.shapes.world.Rendering;
import dev.umbra.shapes.world.Scene;
import dev.umbra.shapes.world.SceneObject;
import dev.umbra.shapes.world.ShapeColor;
import dev.umbra.shapes.world.ShapeKind;
import dev.umbra.shapes.world.SceneSampler;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SceneBatchTest {

    @Test
    void hardNegativesAreTheSameObjectsMeaningSomethingElse() {
        SceneBatch batch = SceneBatch.draw(SceneSampler.training(), new SplittableRandom(4), 64, 16);
        assertEquals(64, batch.size());
        float[] matches = batch.imageCaptionMatches();
        int relationTwins = 0;
        int countTwins = 0;
        for (int i = 0; i + 1 < batch.size(); i++) {
            Scene a = batch.scenes().get(i);
            Scene b = batch.scenes().get(i + 1);
            boolean relationTwin = a.isPair() && b.isPair() && !a.key().equals(b.key())
                    && kinds(a).equals(kinds(b));
            boolean countTwin = !a.isPair() && b.isPair() && kinds(b).equals(List.of(kinds(a).get(0), kinds(a).get(0)));
            if (relationTwin || countTwin) {
                if (relationTwin) {
                    relationTwins++;
                } else {
                    countTwins++;
                }
                // neither caption describes the other's picture: the twin is a negative
                assertEquals(0f, matches[i * batch.size() + i + 1], a.key() + " / " + b.key());
                assertEquals(0f, matches[(i + 1) * batch.size() + i], a.key() + " / " + b.key());
                i++;
            }
        }
        assertEquals(16, relationTwins + countTwins);
        assertTrue(relationTwins >= 4 && countTwins >= 4, relationTwins + " relation and " + countTwins + " count twins");
        for (int i = 0; i < batch.size(); i++) {
            assertEquals(1f, matches[i * batch.size() + i], "every picture matches its own caption");
        }
    }

    @Test
    void aMirroredCaptionDescribesTheSamePicture() {
        SceneObject red = SceneObject.of(ShapeColor.RED, ShapeKind.CIRCLE);
        SceneObject blue = SceneObject.of(ShapeColor.BLUE, ShapeKind.SQUARE);
        Rendering shown = Renderer.render(Scene.pair(red, Relation.LEFT_OF, blue), new SplittableRandom(2));
        assertTrue(Scene.pair(blue, Relation.RIGHT_OF, red).describes(shown));
        assertFalse(Scene.pair(blue, Relation.LEFT_OF, red).describes(shown));
        assertFalse(Scene.pair(red, Relation.RIGHT_OF, blue).describes(shown));
        assertFalse(Scene.single(red).describes(shown));
    }

    private static List<String> kinds(Scene scene) {
        return scene.objects().stream().map(o -> o.color() + " " + o.kind()).sorted().toList();
    }

    @Test
    void aRerenderedBatchShowsTheSameScenesElsewhere() {
        SplittableRandom random = new SplittableRandom(8);
        SceneBatch batch = SceneBatch.draw(SceneSampler.training(), random, 16);
        SceneBatch again = batch.rerendered(random);
        assertEquals(batch.scenes(), again.scenes());
        for (int i = 0; i < batch.size(); i++) {
            assertTrue(batch.scenes().get(i).describes(again.renderings().get(i)));
            assertNotEquals(batch.renderings().get(i).objects().get(0).centerX(),
                    again.renderings().get(i).objects().get(0).centerX());
        }
    }

    @Test
    void aDecoderSeedsNoiseDoesNotDependOnHowManyCandidates() {
        float[][] one = ShapesImageDecoder.noise(77, 1, 8);
        float[][] eight = ShapesImageDecoder.noise(77, 8, 8);
        assertEquals(java.util.Arrays.toString(one[0]), java.util.Arrays.toString(eight[0]));
        assertNotEquals(java.util.Arrays.toString(eight[0]), java.util.Arrays.toString(eight[1]));
    }
}
