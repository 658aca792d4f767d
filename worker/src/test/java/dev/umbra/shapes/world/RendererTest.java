package dev.umbra.shapes.world;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RendererTest {

    private static final int N = ShapesWorld.CANVAS;

    @Test
    void sameSeedSamePixels() {
        Scene scene = Scene.pair(SceneObject.of(ShapeColor.RED, ShapeKind.CIRCLE), Relation.LEFT_OF,
                SceneObject.of(ShapeColor.BLUE, ShapeKind.SQUARE));
        Rendering a = Renderer.render(scene, new SplittableRandom(42));
        Rendering b = Renderer.render(scene, new SplittableRandom(42));
        Rendering c = Renderer.render(scene, new SplittableRandom(43));
        assertArrayEquals(a.rgb(), b.rgb());
        assertFalse(java.util.Arrays.equals(a.rgb(), c.rgb()), "another seed moves the objects");
    }

    @Test
    void everyRenderKeepsTheWorldsRules() {
        SplittableRandom random = new SplittableRandom(7);
        SceneSampler sampler = SceneSampler.training();
        for (int i = 0; i < 2000; i++) {
            Scene scene = sampler.sample(random);
            Rendering r = Renderer.render(scene, random);
            assertEquals(N * N, r.rgb().length);
            // corners are background, within its jitter
            for (int p : new int[] {r.rgb()[0], r.rgb()[N - 1], r.rgb()[N * N - 1]}) {
                for (int shift = 0; shift <= 16; shift += 8) {
                    int v = (p >> shift) & 0xFF;
                    assertTrue(Math.abs(v - ShapesWorld.BACKGROUND) <= ShapesWorld.BACKGROUND_JITTER, scene.key());
                }
            }
            List<PlacedObject> objects = r.objects();
            assertEquals(scene.objects().size(), objects.size());
            for (int k = 0; k < objects.size(); k++) {
                PlacedObject o = objects.get(k);
                SceneObject wanted = scene.objects().get(k);
                assertEquals(wanted.color(), o.color());
                assertEquals(wanted.kind(), o.kind());
                if (wanted.size() != null) {
                    assertEquals(wanted.size(), o.size());
                }
                assertTrue(Math.abs(o.extent() / o.size().pixels() - 1) <= ShapesWorld.SIZE_JITTER + 1e-9);
                assertTrue(Math.abs(o.r() - o.color().r()) <= ShapesWorld.COLOR_JITTER);
                assertTrue(o.centerX() - o.extent() / 2 >= ShapesWorld.MARGIN - 1e-9);
                assertTrue(o.centerY() + o.extent() / 2 <= N - ShapesWorld.MARGIN + 1e-9);
                // the object's centre pixel has its color (every shape covers its centre)
                int centre = r.rgb()[(int) o.centerY() * N + (int) o.centerX()];
                assertEquals(o.r(), (centre >> 16) & 0xFF, scene.key());
                assertEquals(o.g(), (centre >> 8) & 0xFF, scene.key());
                assertEquals(o.b(), centre & 0xFF, scene.key());
            }
            if (scene.isPair()) {
                PlacedObject a = objects.get(0);
                PlacedObject b = objects.get(1);
                assertTrue(a.apartFrom(b, ShapesWorld.MARGIN), "objects never overlap: " + scene.key());
                assertTrue(scene.relation().holds(a.centerX() - b.centerX(), a.centerY() - b.centerY(),
                        ShapesWorld.RELATION_MARGIN), scene.key());
            }
            assertTrue(scene.describes(r), "a rendering shows its own scene");
        }
    }

    @Test
    void triangleApexIsUp() {
        Scene scene = Scene.single(new SceneObject(ShapeColor.GREEN, ShapeKind.TRIANGLE, ObjectSize.LARGE));
        Rendering r = Renderer.render(scene, new SplittableRandom(3));
        PlacedObject o = r.objects().get(0);
        int top = (int) (o.centerY() - o.extent() / 2) + 3;
        int bottom = (int) (o.centerY() + o.extent() / 2) - 3;
        assertTrue(width(r, top) < width(r, bottom) / 2, "narrow at the top, wide at the bottom");
    }

    private static int width(Rendering r, int row) {
        int count = 0;
        for (int x = 0; x < N; x++) {
            int p = r.rgb()[row * N + x];
            if (Math.abs(((p >> 8) & 0xFF) - ShapesWorld.BACKGROUND) > 40) {
                count++;
            }
        }
        return count;
    }

    @Test
    void heldOutCombinationsNeverReachTraining() {
        assertEquals(6, ShapesWorld.unseenCombinations().size());
        assertEquals(18, ShapesWorld.seenCombinations().size());
        assertTrue(ShapesWorld.isHeldOut(ShapeColor.BLUE, ShapeKind.CIRCLE));
        assertFalse(ShapesWorld.isHeldOut(ShapeColor.BLUE, ShapeKind.SQUARE));
        SplittableRandom random = new SplittableRandom(11);
        SceneSampler sampler = SceneSampler.training();
        int pairs = 0;
        for (int i = 0; i < 20_000; i++) {
            Scene scene = sampler.sample(random);
            assertFalse(scene.hasHeldOut(), scene.key());
            pairs += scene.isPair() ? 1 : 0;
        }
        assertEquals(0.6, pairs / 20_000.0, 0.02);
    }

    @Test
    void describesHonoursNamedSizesOnly() {
        Scene anySize = Scene.single(SceneObject.of(ShapeColor.RED, ShapeKind.CIRCLE));
        Scene small = Scene.single(new SceneObject(ShapeColor.RED, ShapeKind.CIRCLE, ObjectSize.SMALL));
        Scene large = Scene.single(new SceneObject(ShapeColor.RED, ShapeKind.CIRCLE, ObjectSize.LARGE));
        Rendering r = Renderer.render(small, new SplittableRandom(1));
        assertTrue(anySize.describes(r));
        assertTrue(small.describes(r));
        assertFalse(large.describes(r));
        assertFalse(Scene.single(SceneObject.of(ShapeColor.RED, ShapeKind.SQUARE)).describes(r));
        Scene pair = Scene.pair(SceneObject.of(ShapeColor.RED, ShapeKind.CIRCLE), Relation.ABOVE,
                SceneObject.of(ShapeColor.BLUE, ShapeKind.SQUARE));
        Rendering p = Renderer.render(pair, new SplittableRandom(1));
        assertTrue(pair.describes(p));
        assertFalse(Scene.pair(pair.first(), Relation.BELOW, pair.second()).describes(p));
        assertFalse(Scene.pair(pair.second(), Relation.ABOVE, pair.first()).describes(p));
        assertFalse(anySize.describes(p));
    }
}
