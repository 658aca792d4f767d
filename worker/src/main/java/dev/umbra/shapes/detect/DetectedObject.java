package dev.umbra.shapes.detect;

import dev.umbra.shapes.world.ShapeColor;
import dev.umbra.shapes.world.ShapeKind;

/**
 * One object found in an image: its nearest world color, its best-matching shape, the centre of its bounding box
 * (where the renderer places an object), its area in pixels and its box.
 *
 * @param shapeScore the intersection over union of the object's pixels with the chosen shape's template
 */
public record DetectedObject(ShapeColor color, ShapeKind kind, double centerX, double centerY, int area,
                             int width, int height, double shapeScore) {}
