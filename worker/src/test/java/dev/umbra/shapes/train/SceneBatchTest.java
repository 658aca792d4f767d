package dev.umbra.shapes.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.decoder.shapes.ShapesImageDecoder;
import dev.umbra.shapes.world.Scene;
import dev.umbra.shapes.world.SceneSampler;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SceneBatchTest {

    @Test
    void hardNegativesAreTheSameObjectsMeaningSomethingElse() {
        SceneBatch batch = SceneBatch.draw(SceneSampler.training(), new SplittableRandom(4), 64, 16);
        assertEquals(64, batch.size());
        float[] matches = batch.imageCaptionMatches();
        int twins = 0;
        for (int i = 0; i + 1 < batch.size(); i++) {
            Scene a = batch.scenes().get(i);
            Scene b = batch.scenes().get(i + 1);
            boolean twin = a.isPair() && b.isPair() && !a.key().equals(b.key())
                    && a.objects().stream().map(o -> o.color() + " " + o.kind()).sorted().toList()
                    .equals(b.objects().stream().map(o -> o.color() + " " + o.kind()).sorted().toList());
            if (twin) {
                twins++;
                // neither caption describes the other's picture: the twin is a negative
                assertEquals(0f, matches[i * batch.size() + i + 1], a.key() + " / " + b.key());
                assertEquals(0f, matches[(i + 1) * batch.size() + i], a.key() + " / " + b.key());
                i++;
            }
        }
        assertTrue(twins >= 14, twins + " twins");
        for (int i = 0; i < batch.size(); i++) {
            assertEquals(1f, matches[i * batch.size() + i], "every picture matches its own caption");
        }
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
