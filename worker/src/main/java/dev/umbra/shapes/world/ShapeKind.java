package dev.umbra.shapes.world;

import java.util.Locale;

/** The world's four filled shapes. */
public enum ShapeKind {
    /** A disc. */
    CIRCLE,
    /** Axis aligned. */
    SQUARE,
    /** Isosceles, apex up, as wide as it is tall. */
    TRIANGLE,
    /** A plus sign whose arms are one third of its width. */
    CROSS;

    /** The word the captions use: "circle". */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
