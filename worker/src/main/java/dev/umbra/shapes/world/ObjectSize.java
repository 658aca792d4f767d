package dev.umbra.shapes.world;

import java.util.Locale;

/** Small (about 14 px across) or large (about 26 px); each rendering jitters the size by up to 15%. */
public enum ObjectSize {
    SMALL(14),
    LARGE(26);

    private final int pixels;

    ObjectSize(int pixels) {
        this.pixels = pixels;
    }

    /** The nominal width and height, before jitter. */
    public int pixels() {
        return pixels;
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
