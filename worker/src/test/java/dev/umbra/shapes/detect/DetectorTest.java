package dev.umbra.shapes.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.shapes.world.ObjectSize;
import dev.umbra.shapes.world.Relation;
import dev.umbra.shapes.world.Renderer;
import dev.umbra.shapes.world.Rendering;
import dev.umbra.shapes.world.Scene;
import dev.umbra.shapes.world.SceneObject;
import dev.umbra.shapes.world.ShapeColor;
import dev.umbra.shapes.world.ShapeKind;
import dev.umbra.shapes.world.ShapesWorld;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DetectorTest {

    private static final int N = ShapesWorld.CANVAS;

    @Test
    void anEmptyCanvasHasNoObjects() {
        int[] grey = new int[N * N];
        Arrays.fill(grey, 0xE6E6E6);
        assertTrue(Detector.detect(grey, N).isEmpty());
    }

    @Test
    void everyColorAndShapeAtBothSizes() {
        SplittableRandom random = new SplittableRandom(5);
        for (ShapeColor c : ShapeColor.values()) {
            for (ShapeKind k : ShapeKind.values()) {
                for (ObjectSize size : ObjectSize.values()) {
                    for (int i = 0; i < 5; i++) {
                        Rendering r = Renderer.render(Scene.single(new SceneObject(c, k, size)), random);
                        List<DetectedObject> found = Detector.detect(r.rgb(), N);
                        String what = size + " " + c + " " + k;
                        assertEquals(1, found.size(), what);
                        assertEquals(c, found.get(0).color(), what);
                        assertEquals(k, found.get(0).kind(), what);
                        assertEquals(r.objects().get(0).centerX(), found.get(0).centerX(), 1.5, what);
                        assertEquals(r.objects().get(0).centerY(), found.get(0).centerY(), 1.5, what);
                    }
                }
            }
        }
    }

    @Test
    void atLeastNinetyFivePercentOnRandomScenes() {
        SplittableRandom random = new SplittableRandom(9);
        int objects = 0;
        int right = 0;
        int pairs = 0;
        int relations = 0;
        List<SceneObject> all = new java.util.ArrayList<>(ShapesWorld.seenCombinations());
        all.addAll(ShapesWorld.unseenCombinations());
        var sampler = new dev.umbra.shapes.world.SceneSampler(all, 0.5, 0.35);
        for (int i = 0; i < 600; i++) {
            Scene scene = sampler.sample(random);
            Judgement j = SceneJudge.judge(scene, Detector.detect(Renderer.render(scene, random).rgb(), N));
            objects += j.objects();
            right += j.bothHits();
            if (scene.isPair()) {
                pairs++;
                relations += j.relationHit() ? 1 : 0;
            }
        }
        assertTrue(right >= 0.95 * objects, right + " of " + objects);
        assertTrue(relations >= 0.95 * pairs, relations + " of " + pairs);
    }

    @Test
    void judgeMatchesDetectionsToThePromptsObjects() {
        Scene scene = Scene.pair(SceneObject.of(ShapeColor.RED, ShapeKind.CIRCLE), Relation.LEFT_OF,
                SceneObject.of(ShapeColor.BLUE, ShapeKind.SQUARE));
        DetectedObject redLeft = new DetectedObject(ShapeColor.RED, ShapeKind.CIRCLE, 10, 30, 300, 20, 20, 0.9);
        DetectedObject blueRight = new DetectedObject(ShapeColor.BLUE, ShapeKind.SQUARE, 50, 32, 200, 15, 15, 0.9);
        DetectedObject blueLeft = new DetectedObject(ShapeColor.BLUE, ShapeKind.SQUARE, 5, 32, 200, 15, 15, 0.9);
        Judgement right = SceneJudge.judge(scene, List.of(redLeft, blueRight));
        assertEquals(new Judgement(2, 2, 2, 2, true, true), right);
        // order of detections (largest first) does not matter; a wrong side does
        Judgement wrongSide = SceneJudge.judge(scene, List.of(blueLeft, new DetectedObject(ShapeColor.RED,
                ShapeKind.CIRCLE, 40, 30, 100, 10, 10, 0.9)));
        assertEquals(2, wrongSide.bothHits());
        assertFalse(wrongSide.relationHit());
        assertFalse(wrongSide.positionHit());
        // a missing object: half the attributes at best, never the relation
        Judgement one = SceneJudge.judge(scene, List.of(blueRight));
        assertEquals(new Judgement(2, 1, 1, 1, false, false), one);
        // right place, wrong color on one: relation (strict) fails, position holds
        Judgement wrongColor = SceneJudge.judge(scene, List.of(redLeft, new DetectedObject(ShapeColor.GREEN,
                ShapeKind.SQUARE, 50, 32, 200, 15, 15, 0.9)));
        assertEquals(1, wrongColor.colorHits());
        assertEquals(2, wrongColor.shapeHits());
        assertFalse(wrongColor.relationHit());
        assertTrue(wrongColor.positionHit());
        // a single object is judged on the largest detection
        Scene single = Scene.single(SceneObject.of(ShapeColor.RED, ShapeKind.CIRCLE));
        assertEquals(new Judgement(1, 1, 1, 1, false, false), SceneJudge.judge(single, List.of(redLeft, blueRight)));
        assertEquals(new Judgement(1, 0, 0, 0, false, false), SceneJudge.judge(single, List.of()));
    }
}
