package dev.umbra.shapes.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The fixed facts of the shapes world (docs/shapes-world.md), so that anyone can check a number against them:
 * the canvas, the background, the jitters and the six color-shape combinations held out of all training data.
 */
public final class ShapesWorld {

    /** Width and height of every image, in pixels. */
    public static final int CANVAS = 64;
    /** The background's sRGB value, the same on all three channels. */
    public static final int BACKGROUND = 230;
    /** Per-image jitter of the background, per channel, at most. */
    public static final int BACKGROUND_JITTER = 8;
    /** Per-object jitter of its color, per channel, at most. */
    public static final int COLOR_JITTER = 20;
    /** Relative jitter of an object's size, at most. */
    public static final double SIZE_JITTER = 0.15;
    /** Free pixels kept between an object and the canvas edge, and between two objects. */
    public static final int MARGIN = 2;
    /** How much further two objects stand apart along their relation's axis than across it, at least. */
    public static final double RELATION_MARGIN = 4;

    private static final Set<String> HELD_OUT = Set.of(
            key(ShapeColor.RED, ShapeKind.TRIANGLE),
            key(ShapeColor.GREEN, ShapeKind.CROSS),
            key(ShapeColor.BLUE, ShapeKind.CIRCLE),
            key(ShapeColor.YELLOW, ShapeKind.SQUARE),
            key(ShapeColor.PURPLE, ShapeKind.TRIANGLE),
            key(ShapeColor.ORANGE, ShapeKind.CIRCLE));

    private ShapesWorld() {}

    /** Whether this color-shape combination is one of the six that no training data ever shows. */
    public static boolean isHeldOut(ShapeColor color, ShapeKind kind) {
        return HELD_OUT.contains(key(color, kind));
    }

    /** The 18 color-shape combinations that training data shows, in a fixed order. */
    public static List<SceneObject> seenCombinations() {
        return combinations(false);
    }

    /** The 6 held-out combinations, in a fixed order. */
    public static List<SceneObject> unseenCombinations() {
        return combinations(true);
    }

    private static List<SceneObject> combinations(boolean heldOut) {
        List<SceneObject> out = new ArrayList<>();
        for (ShapeColor c : ShapeColor.values()) {
            for (ShapeKind k : ShapeKind.values()) {
                if (isHeldOut(c, k) == heldOut) {
                    out.add(SceneObject.of(c, k));
                }
            }
        }
        return List.copyOf(out);
    }

    private static String key(ShapeColor c, ShapeKind k) {
        return c.name() + "/" + k.name();
    }
}
