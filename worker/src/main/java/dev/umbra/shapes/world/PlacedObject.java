package dev.umbra.shapes.world;

/**
 * An object as it was drawn: the scene object with its size decided, its centre and extent in pixels, and
 * its jittered sRGB color. The ground truth a detector is checked against.
 */
public record PlacedObject(ShapeColor color, ShapeKind kind, ObjectSize size, double centerX, double centerY,
                           double extent, int r, int g, int b) {

    /** Whether the bounding boxes of the two objects keep at least {@code gap} pixels between them. */
    public boolean apartFrom(PlacedObject other, double gap) {
        double half = (extent + other.extent) / 2 + gap;
        return Math.abs(centerX - other.centerX) >= half || Math.abs(centerY - other.centerY) >= half;
    }
}
