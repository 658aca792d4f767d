package dev.umbra.shapes.world;

import dev.umbra.io.Images;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Draws scenes with Java2D (anti-aliased fills, no outlines) on a {@link ShapesWorld#CANVAS}-square canvas.
 * All randomness (background and color jitter, sizes left open by the scene, positions) comes from the
 * generator passed in, so a seed gives the same pixels.
 */
public final class Renderer {

    private static final int MAX_ATTEMPTS = 10_000;

    private Renderer() {}

    public static Rendering render(Scene scene, RandomGenerator random) {
        int canvas = ShapesWorld.CANVAS;
        int bgR = jitter(ShapesWorld.BACKGROUND, ShapesWorld.BACKGROUND_JITTER, random);
        int bgG = jitter(ShapesWorld.BACKGROUND, ShapesWorld.BACKGROUND_JITTER, random);
        int bgB = jitter(ShapesWorld.BACKGROUND, ShapesWorld.BACKGROUND_JITTER, random);
        List<PlacedObject> placed = place(scene, random);

        BufferedImage image = new BufferedImage(canvas, canvas, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(new Color(bgR, bgG, bgB));
            g.fillRect(0, 0, canvas, canvas);
            for (PlacedObject o : placed) {
                g.setColor(new Color(o.r(), o.g(), o.b()));
                g.fill(outline(o.kind(), o.centerX(), o.centerY(), o.extent()));
            }
        } finally {
            g.dispose();
        }
        return new Rendering(scene, Images.toRgb(image), List.copyOf(placed));
    }

    /** The filled outline of a shape of width and height {@code extent} centred at (cx, cy). */
    public static Shape outline(ShapeKind kind, double cx, double cy, double extent) {
        double h = extent / 2;
        return switch (kind) {
            case CIRCLE -> new Ellipse2D.Double(cx - h, cy - h, extent, extent);
            case SQUARE -> new Rectangle2D.Double(cx - h, cy - h, extent, extent);
            case TRIANGLE -> {
                Path2D.Double p = new Path2D.Double();
                p.moveTo(cx, cy - h);
                p.lineTo(cx + h, cy + h);
                p.lineTo(cx - h, cy + h);
                p.closePath();
                yield p;
            }
            case CROSS -> {
                double arm = extent / 3;
                Area a = new Area(new Rectangle2D.Double(cx - h, cy - arm / 2, extent, arm));
                a.add(new Area(new Rectangle2D.Double(cx - arm / 2, cy - h, arm, extent)));
                yield a;
            }
        };
    }

    private static List<PlacedObject> place(Scene scene, RandomGenerator random) {
        List<SceneObject> objects = scene.objects();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            List<PlacedObject> placed = new ArrayList<>();
            for (SceneObject o : objects) {
                placed.add(placeOne(o, random));
            }
            if (!scene.isPair()) {
                return placed;
            }
            PlacedObject a = placed.get(0);
            PlacedObject b = placed.get(1);
            if (a.apartFrom(b, ShapesWorld.MARGIN + 1)
                    && scene.relation().holds(a.centerX() - b.centerX(), a.centerY() - b.centerY(),
                            ShapesWorld.RELATION_MARGIN)) {
                return placed;
            }
        }
        throw new IllegalStateException("no placement found for " + scene.key());
    }

    private static PlacedObject placeOne(SceneObject o, RandomGenerator random) {
        ObjectSize size = o.size() != null ? o.size() : ObjectSize.values()[random.nextInt(ObjectSize.values().length)];
        double extent = size.pixels() * (1 + ShapesWorld.SIZE_JITTER * (2 * random.nextDouble() - 1));
        double lo = extent / 2 + ShapesWorld.MARGIN;
        double hi = ShapesWorld.CANVAS - extent / 2 - ShapesWorld.MARGIN;
        double cx = lo + (hi - lo) * random.nextDouble();
        double cy = lo + (hi - lo) * random.nextDouble();
        int j = ShapesWorld.COLOR_JITTER;
        return new PlacedObject(o.color(), o.kind(), size, cx, cy, extent,
                jitter(o.color().r(), j, random), jitter(o.color().g(), j, random), jitter(o.color().b(), j, random));
    }

    private static int jitter(int centre, int max, RandomGenerator random) {
        return Math.max(0, Math.min(255, centre + random.nextInt(2 * max + 1) - max));
    }
}
