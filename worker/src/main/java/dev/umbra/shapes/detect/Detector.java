package dev.umbra.shapes.detect;

import dev.umbra.shapes.world.ShapeColor;
import dev.umbra.shapes.world.ShapeKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Finds the objects of a shapes-world image without any learning, so that it cannot share a model's blind spots:
 * pixels far from the background (estimated from the border) form 4-connected components; a component's color
 * is the world color nearest to the mean of its core pixels, its shape the template (disc, square, apex-up
 * triangle, plus) that best overlaps it inside its bounding box.
 *
 * <p>Written here because no library knows this world; it is checked on ground-truth renders by {@code eval}
 * and by its tests before any score that uses it is trusted.
 */
public final class Detector {

    /** A pixel belongs to an object when one channel differs from the background by more than this. */
    static final int FOREGROUND_DISTANCE = 60;
    /** Components smaller than this are specks, not objects (a small triangle covers about 70 pixels). */
    static final int MIN_AREA = 24;
    /** Core pixels, for the color: at least this fraction of the component's largest distance. */
    static final double CORE_FRACTION = 0.7;

    private Detector() {}

    /** The objects of a square image of packed sRGB pixels, largest first. */
    public static List<DetectedObject> detect(int[] rgb, int size) {
        int[] background = background(rgb, size);
        int[] distance = new int[rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            int p = rgb[i];
            distance[i] = Math.max(Math.abs(((p >> 16) & 0xFF) - background[0]),
                    Math.max(Math.abs(((p >> 8) & 0xFF) - background[1]), Math.abs((p & 0xFF) - background[2])));
        }
        int[] label = new int[rgb.length];
        int[] stack = new int[rgb.length];
        List<DetectedObject> found = new ArrayList<>();
        int next = 0;
        for (int start = 0; start < rgb.length; start++) {
            if (label[start] != 0 || distance[start] <= FOREGROUND_DISTANCE) {
                continue;
            }
            int id = ++next;
            int top = 0;
            stack[top++] = start;
            label[start] = id;
            int[] members = new int[16];
            int count = 0;
            while (top > 0) {
                int i = stack[--top];
                if (count == members.length) {
                    members = Arrays.copyOf(members, count * 2);
                }
                members[count++] = i;
                int x = i % size;
                int y = i / size;
                if (x > 0) {
                    top = visit(i - 1, id, distance, label, stack, top);
                }
                if (x < size - 1) {
                    top = visit(i + 1, id, distance, label, stack, top);
                }
                if (y > 0) {
                    top = visit(i - size, id, distance, label, stack, top);
                }
                if (y < size - 1) {
                    top = visit(i + size, id, distance, label, stack, top);
                }
            }
            if (count >= MIN_AREA) {
                found.add(describe(Arrays.copyOf(members, count), label, id, rgb, distance, size));
            }
        }
        found.sort(Comparator.comparingInt(DetectedObject::area).reversed());
        return List.copyOf(found);
    }

    private static int visit(int i, int id, int[] distance, int[] label, int[] stack, int top) {
        if (label[i] == 0 && distance[i] > FOREGROUND_DISTANCE) {
            label[i] = id;
            stack[top++] = i;
        }
        return top;
    }

    /** The per-channel median of the border pixels. */
    static int[] background(int[] rgb, int size) {
        int n = 4 * size - 4;
        int[][] channels = new int[3][n];
        int k = 0;
        for (int i = 0; i < rgb.length; i++) {
            int x = i % size;
            int y = i / size;
            if (x == 0 || y == 0 || x == size - 1 || y == size - 1) {
                channels[0][k] = (rgb[i] >> 16) & 0xFF;
                channels[1][k] = (rgb[i] >> 8) & 0xFF;
                channels[2][k] = rgb[i] & 0xFF;
                k++;
            }
        }
        int[] out = new int[3];
        for (int c = 0; c < 3; c++) {
            Arrays.sort(channels[c]);
            out[c] = channels[c][n / 2];
        }
        return out;
    }

    private static DetectedObject describe(int[] members, int[] label, int id, int[] rgb, int[] distance, int size) {
        int minX = size;
        int minY = size;
        int maxX = -1;
        int maxY = -1;
        int maxDistance = 0;
        for (int i : members) {
            int x = i % size;
            int y = i / size;
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
            maxDistance = Math.max(maxDistance, distance[i]);
        }
        double r = 0;
        double g = 0;
        double b = 0;
        int core = 0;
        for (int i : members) {
            if (distance[i] >= CORE_FRACTION * maxDistance) {
                r += (rgb[i] >> 16) & 0xFF;
                g += (rgb[i] >> 8) & 0xFF;
                b += rgb[i] & 0xFF;
                core++;
            }
        }
        ShapeColor color = nearestColor(r / core, g / core, b / core);
        int w = maxX - minX + 1;
        int h = maxY - minY + 1;
        ShapeKind best = null;
        double bestScore = -1;
        for (ShapeKind kind : ShapeKind.values()) {
            double score = overlap(kind, label, id, minX, minY, w, h, size);
            if (score > bestScore) {
                bestScore = score;
                best = kind;
            }
        }
        // the box's centre, as the renderer places objects (a triangle's centroid sits a sixth lower)
        return new DetectedObject(color, best, minX + w / 2.0, minY + h / 2.0, members.length, w, h, bestScore);
    }

    static ShapeColor nearestColor(double r, double g, double b) {
        ShapeColor best = null;
        double bestDistance = Double.MAX_VALUE;
        for (ShapeColor c : ShapeColor.values()) {
            double d = sq(r - c.r()) + sq(g - c.g()) + sq(b - c.b());
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }

    /** Intersection over union of the component's pixels with the shape's template stretched over its box. */
    private static double overlap(ShapeKind kind, int[] label, int id, int minX, int minY, int w, int h, int size) {
        int both = 0;
        int either = 0;
        for (int y = minY; y < minY + h; y++) {
            double v = (y - minY + 0.5) / h;
            for (int x = minX; x < minX + w; x++) {
                double u = (x - minX + 0.5) / w;
                boolean in = label[y * size + x] == id;
                boolean t = inside(kind, u, v);
                if (in && t) {
                    both++;
                }
                if (in || t) {
                    either++;
                }
            }
        }
        return either == 0 ? 0 : (double) both / either;
    }

    /** Whether (u, v) in the unit box lies in the shape's template. */
    static boolean inside(ShapeKind kind, double u, double v) {
        return switch (kind) {
            case CIRCLE -> sq(u - 0.5) + sq(v - 0.5) <= 0.25;
            case SQUARE -> true;
            case TRIANGLE -> Math.abs(u - 0.5) <= v / 2;
            case CROSS -> Math.abs(u - 0.5) <= 1.0 / 6 || Math.abs(v - 0.5) <= 1.0 / 6;
        };
    }

    private static double sq(double x) {
        return x * x;
    }
}
