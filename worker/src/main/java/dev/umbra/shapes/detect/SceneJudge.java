package dev.umbra.shapes.detect;

import dev.umbra.shapes.world.Scene;
import dev.umbra.shapes.world.SceneObject;
import java.util.List;

/**
 * Scores detections against a prompt's scene. One object: the largest detection is the object. Two objects: the
 * two largest detections, each matched to the prompt object it agrees with most (first to first on a tie); the
 * relation is read from their centroids (further along the relation's axis than across it).
 */
public final class SceneJudge {

    private SceneJudge() {}

    public static Judgement judge(Scene scene, List<DetectedObject> found) {
        if (!scene.isPair()) {
            if (found.isEmpty()) {
                return new Judgement(1, 0, 0, 0, false, false);
            }
            DetectedObject d = found.get(0);
            boolean color = d.color() == scene.first().color();
            boolean shape = d.kind() == scene.first().kind();
            return new Judgement(1, hit(color), hit(shape), hit(color && shape), false, false);
        }
        SceneObject a = scene.first();
        SceneObject b = scene.second();
        if (found.isEmpty()) {
            return new Judgement(2, 0, 0, 0, false, false);
        }
        if (found.size() == 1) {
            DetectedObject d = found.get(0);
            SceneObject match = agreement(d, a) >= agreement(d, b) ? a : b;
            boolean color = d.color() == match.color();
            boolean shape = d.kind() == match.kind();
            return new Judgement(2, hit(color), hit(shape), hit(color && shape), false, false);
        }
        DetectedObject d1 = found.get(0);
        DetectedObject d2 = found.get(1);
        boolean straight = agreement(d1, a) + agreement(d2, b) >= agreement(d2, a) + agreement(d1, b);
        DetectedObject da = straight ? d1 : d2;
        DetectedObject db = straight ? d2 : d1;
        int colors = hit(da.color() == a.color()) + hit(db.color() == b.color());
        int shapes = hit(da.kind() == a.kind()) + hit(db.kind() == b.kind());
        boolean bothA = da.color() == a.color() && da.kind() == a.kind();
        boolean bothB = db.color() == b.color() && db.kind() == b.kind();
        boolean position = scene.relation().holds(da.centerX() - db.centerX(), da.centerY() - db.centerY(), 0);
        return new Judgement(2, colors, shapes, hit(bothA) + hit(bothB), bothA && bothB && position, position);
    }

    private static int agreement(DetectedObject d, SceneObject o) {
        return hit(d.color() == o.color()) + hit(d.kind() == o.kind());
    }

    private static int hit(boolean b) {
        return b ? 1 : 0;
    }
}
