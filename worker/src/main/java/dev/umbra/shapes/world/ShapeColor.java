package dev.umbra.shapes.world;

import java.util.Locale;

/** The world's six colors, as sRGB centres; each rendered object jitters around its centre. */
public enum ShapeColor {
    RED(215, 45, 45),
    GREEN(45, 160, 70),
    BLUE(45, 85, 215),
    YELLOW(230, 200, 40),
    PURPLE(140, 65, 180),
    ORANGE(240, 135, 35);

    private final int r;
    private final int g;
    private final int b;

    ShapeColor(int r, int g, int b) {
        this.r = r;
        this.g = g;
        this.b = b;
    }

    public int r() {
        return r;
    }

    public int g() {
        return g;
    }

    public int b() {
        return b;
    }

    /** The word the captions use: "red". */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
